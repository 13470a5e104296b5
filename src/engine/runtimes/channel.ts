/** Main-side view of one worker, whatever it is: the event loop, a thread or a child process. */
import type { SerializedError } from '../errors.js';
import type { FromWorker, ToWorker } from '../protocol.js';

export interface Channel {
  send(msg: ToWorker): void;
  /** Called with every message from the worker. */
  onMessage(handler: (msg: FromWorker) => void): void;
  /** Called once if the worker dies before `terminate` was asked for. */
  onExit(handler: (error: SerializedError) => void): void;
  /** Ends the worker: gracefully (close message) when it answers, forcibly after `graceMs`. */
  terminate(graceMs: number): Promise<void>;
}

export type Mode = 'async' | 'threads' | 'procs';
export const MODES: readonly Mode[] = ['async', 'threads', 'procs'];
