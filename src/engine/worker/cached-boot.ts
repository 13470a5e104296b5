/**
 * First code of a worker (thread or child process) started by the bundled CLI: runs the workers' CommonJS
 * bundle (dist/bundle/worker.cjs) through V8's code cache, as bin/fanout.js does for the CLI (script-cache.ts
 * and its safety rules). A worker can be terminated without an exit event, so the bundle saves the cache itself
 * once its first results are sent (code-cache-save.ts).
 */
import { fileURLToPath } from 'node:url';
import { runWithCodeCache } from '../../cli/script-cache.js';
import { WORKER_SLOT_ENV } from '../runtimes/worker-file.js';

// One slot per task module (runtimes/worker-file.ts's workerSlot), else the workers' common one.
const slot = process.env[WORKER_SLOT_ENV] ?? 'worker';
runWithCodeCache(fileURLToPath(new URL('./worker.cjs', import.meta.url)), slot, process.env, 'asked');
