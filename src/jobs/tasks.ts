/**
 * The jobs fanout runs and where each one's task module is: the one place the job, the CLI's worker pre-start
 * and compare read them from. Loading this file loads neither job.
 */
import { entryPath } from '../entry-points.js';

export const JOBS = ['scrape', 'copy'] as const;
export type JobName = (typeof JOBS)[number];

/** The path of `job`'s task module, the file its workers load. */
export function taskModule(job: JobName): string {
  return entryPath(`${job}-task`);
}
