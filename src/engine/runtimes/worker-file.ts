/** The file a worker thread or child process starts from. */
import { fileURLToPath } from 'node:url';
import { entryPath } from '../../entry-points.js';

/** Set to true by the bundler (scripts/bundle.mjs). */
declare const FANOUT_BUNDLED: boolean | undefined;
const bundled = typeof FANOUT_BUNDLED !== 'undefined' && FANOUT_BUNDLED;

/**
 * In the bundled CLI, the CommonJS boot that runs the workers' bundle through V8's code cache
 * (src/engine/worker/cached-boot.ts); in the compiled tree, the ES module entry of the mode.
 */
export function workerFile(mode: 'threads' | 'procs'): string {
  if (bundled) return fileURLToPath(new URL('./worker-boot.cjs', import.meta.url));
  return entryPath(mode === 'threads' ? 'thread-entry' : 'process-entry');
}

/** The environment variable that tells a worker which code cache slot its boot uses (src/engine/worker/cached-boot.ts). */
export const WORKER_SLOT_ENV = 'FANOUT_WORKER_SLOT';

/**
 * The code cache slot of a worker that runs `taskModule`: one per task module, so that a scrape worker's entry holds
 * what scrape workers compile, not what the first worker after a build happened to run (a copy's functions alone
 * left a one-URL `--threads 2` scrape ~18 ms slower).
 */
export function workerSlot(taskModule: string): string {
  const name = taskModule.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '').toLowerCase().replace(/[^a-z-]+/g, '-');
  return `worker-${name}`.slice(0, 24);
}

/** The environment of a worker that runs `taskModule`: the parent's, and the worker's code cache slot. */
export function workerEnv(taskModule: string | undefined): NodeJS.ProcessEnv {
  return taskModule === undefined ? process.env : { ...process.env, [WORKER_SLOT_ENV]: workerSlot(taskModule) };
}
