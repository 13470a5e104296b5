/** The compare runner's stable error codes (docs/errors.md); its report's warnings have their own (model.ts). */
export const COMPARE_CODES = [
  'BAD_STRATEGY', // no strategy, an unknown mode, or a worker count that is not a whole number >= 1
  'BAD_RUNS', // runs < 1 or warm-up runs < 0
  'JOB_SPAWN', // the job's process could not be started
  'JOB_USAGE', // the job refused its arguments (it exited 2): compare stops at once
  'INTERRUPTED', // the comparison was cancelled (Ctrl-C): no report
] as const;

export type CompareErrorCode = (typeof COMPARE_CODES)[number];
