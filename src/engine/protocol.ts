/**
 * The wire protocol between the coordinator and a worker (thread or child process). Messages are batched:
 * one `run` carries many tasks and one `results` many settlements, because each message costs tens of
 * microseconds and tasks may be far cheaper than that.
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SerializedError } from './errors.js';

/** A task module as import() takes it: an absolute path becomes its file URL, a URL stays as it is. */
export function moduleUrl(module: string): string {
  return isAbsolute(module) ? pathToFileURL(module).href : module;
}

export interface WireTask {
  id: number;
  index: number;
  attempt: number;
  item: unknown;
}

export type Settlement =
  | { id: number; kind: 'ok'; value: unknown }
  | { id: number; kind: 'error'; error: SerializedError }
  /** `carry`: RetryLater's, when it has one. */
  | { id: number; kind: 'retry'; delayMs: number; pauseKey: boolean; reason: string; carry?: unknown };

export type ToWorker =
  /** Start loading the task module now (a pre-started worker, see runtimes/prestart.ts); `init` names the module to run. */
  | { t: 'preload'; module: string }
  | { t: 'init'; module: string; options: unknown }
  | { t: 'run'; tasks: WireTask[] }
  /** The run is cancelled: every task of this worker, running or yet to start, sees its signal aborted. */
  | { t: 'cancel' }
  | { t: 'close' };

export type FromWorker =
  | { t: 'ready' }
  | { t: 'init-failed'; error: SerializedError }
  /** `released`: tasks that freed their key's slot early (TaskContext.releaseKey), handled before `settled`. */
  | { t: 'results'; settled: Settlement[]; released?: number[] }
  | { t: 'closed' };
