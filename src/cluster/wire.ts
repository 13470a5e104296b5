/**
 * What travels through Redis between a coordinator and its workers: the run's manifest, a job's data and the
 * messages of the results stream. Plain JSON only: no code, no module path of the coordinator's disk.
 */
import type { SerializedError } from '../engine/errors.js';
import type { Settlement, WireTask } from '../engine/protocol.js';

/** A built-in task by name, or a task module the worker itself was given (`--task`), known by its content. */
export type TaskRef = { name: 'scrape' | 'copy' } | { name: 'module'; file: string; sha256: string };

/** Paths every worker must see as the coordinator does (copy: SRC and DST on a shared file system). */
export interface SharedPaths {
  /** Files the coordinator wrote, with their content: a worker that reads something else is on another disk. */
  files?: { path: string; content: string }[];
  /** Directories with their inode numbers (kept by NFS and the like). */
  dirs?: { path: string; ino: number }[];
}

export interface Manifest {
  runId: string;
  /** fanout's version on the coordinator: a worker of another version refuses the run. */
  version: string;
  task: TaskRef;
  /** The task factory's options (JSON). */
  options: unknown;
  /** The longest one run of a task may take, in ms (worker threads and processes only); null for none. */
  taskTimeoutMs: number | null;
  /** How long a job's lock lasts without renewal: a dead worker's jobs are given back within about this. */
  leaseMs: number;
  shared?: SharedPaths;
}

/** A BullMQ job's data: a batch of admitted tasks; `alone` asks for a worker with nothing else in flight. */
export interface JobData {
  tasks: WireTask[];
  alone?: boolean;
}

/** One entry of the results stream (field `m`, JSON). */
export interface ResultMessage {
  /** The worker's id. */
  w: string;
  /** Settled tasks. */
  s?: Settlement[];
  /** Tasks that freed their key's slot early. */
  r?: number[];
  /** Tasks whose local worker died under them. */
  c?: { ids: number[]; error: SerializedError; beforeReady: boolean }[];
  /** Tasks whose local worker was ended for running past the time limit. */
  to?: { overdue: number[]; others: number[]; shared: boolean }[];
  /** The worker joined the run (it is ready to take its jobs). */
  j?: 1;
  /** A line for the coordinator's user (a refusal). */
  n?: string;
}

/**
 * Gives an expiry to those of a run's keys that have none (a worker's BullMQ made one again, e.g. the queue's marker,
 * after the coordinator's last expiry pass): if the coordinator was killed, nothing of its run may stay for ever.
 * KEYS: the run's queue keys; ARGV: the lease in ms.
 */
export const EXPIRE_LEFT_LUA = `
for _, key in ipairs(KEYS) do
  if redis.call('PTTL', key) == -1 then redis.call('PEXPIRE', key, ARGV[1]) end
end
return 1`;

/**
 * XADD only while the run's manifest exists: a worker finishing late after the run ended must not create the
 * results stream again (nothing of an ended run may be left in Redis). KEYS: manifest, results; ARGV: message.
 */
export const ADD_RESULT_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', 'm', ARGV[1])
return 1`;
