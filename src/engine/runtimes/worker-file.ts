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
