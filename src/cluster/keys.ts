/**
 * Every Redis key a run uses, in one place. All of a run's keys (BullMQ's queue included) start with
 * `fanout:<runId>:`, so a run's end can remove them, and a coordinator's heartbeat can give them an expiry, by
 * that one pattern. The registry of announced runs is the only key shared by runs.
 */

/** Sorted set of announced runs: member = run id, score = when its announcement lapses (ms since the epoch). */
export const RUNS_KEY = 'fanout:runs';
/** Pub/sub channel on which a new run is announced, so workers join it without waiting for their next poll. */
export const ANNOUNCE_CHANNEL = 'fanout:announce';

export interface RunKeys {
  /** BullMQ's key prefix for the run's queue (the queue itself is named QUEUE_NAME). */
  prefix: string;
  /** Everything of the run, for SCAN. */
  pattern: string;
  /** The manifest (JSON): what task to run, with what options; its expiry is the run's lease on life. */
  manifest: string;
  /** Stream of settlements from workers to the coordinator, read with a consumer group. */
  results: string;
  /** Hash: worker id -> when its registration lapses (ms since the epoch). */
  workers: string;
  /** Pub/sub channel: 'cancel' (abort in-flight tasks), 'end' (leave the run). */
  control: string;
  /** A job's hash, lock and the active list, as BullMQ names them (read by the stalled-job check). */
  job(jobId: string): string;
  active: string;
  /** The keys BullMQ keeps for the queue itself (lists and streams it deletes when empty and makes again). */
  queueKeys: string[];
}

export const QUEUE_NAME = 'q';

export function runKeys(runId: string): RunKeys {
  const base = `fanout:${runId}`;
  return {
    prefix: base,
    pattern: `${base}:*`,
    manifest: `${base}:manifest`,
    results: `${base}:results`,
    workers: `${base}:workers`,
    control: `${base}:control`,
    job: (jobId) => `${base}:${QUEUE_NAME}:${jobId}`,
    active: `${base}:${QUEUE_NAME}:active`,
    queueKeys: ['wait', 'active', 'marker', 'events', 'id', 'meta'].map((k) => `${base}:${QUEUE_NAME}:${k}`).concat(`${base}:workers`, `${base}:results`),
  };
}
