/**
 * How the coordinator packs one turn's dispatched tasks into BullMQ jobs: few enough jobs that the queue costs
 * little per item, enough that a turn spreads over every attached worker.
 */
import type { WireTask } from '../engine/protocol.js';
import type { JobData } from './wire.js';

/** Most tasks one job carries: more makes the queue cheaper per item, fewer spreads a turn over more workers. */
const MAX_JOB_TASKS = 64;
/** A turn's tasks are spread over at least this many jobs per attached worker, when there are enough. */
const JOBS_PER_WORKER = 2;
/** Fewest tasks a job gets when a turn is split for spreading. */
const MIN_SPLIT_TASKS = 8;

/** A dispatched task; `alone` asks for a worker with nothing else in flight, so it travels in a job of its own. */
export interface OutgoingTask {
  task: WireTask;
  alone: boolean;
}

/** The jobs one turn's tasks go out in, given how many workers serve the run (0 before the first joins). */
export function turnJobs(list: OutgoingTask[], workers: number): JobData[] {
  const together = list.filter((t) => !t.alone).map((t) => t.task);
  const batches: JobData[] = list.filter((t) => t.alone).map((t) => ({ tasks: [t.task], alone: true }));
  const count = Math.max(Math.ceil(together.length / MAX_JOB_TASKS), Math.min(JOBS_PER_WORKER * Math.max(1, workers), Math.ceil(together.length / MIN_SPLIT_TASKS)));
  const size = Math.ceil(together.length / Math.max(1, count));
  for (let i = 0; i < together.length; i += size) batches.push({ tasks: together.slice(i, i + size) });
  return batches;
}
