/** The jobs compare can time (kept apart so the CLI can list them without loading compare). */
export { JOBS, type JobName } from '../jobs/tasks.js';
