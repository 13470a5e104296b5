/** The jobs compare can time (kept apart so the CLI can list them without loading compare). */
export const JOBS = ['scrape', 'copy'] as const;
export type JobName = (typeof JOBS)[number];
