/** The `threads` runtime: one worker_threads Worker per channel. */
import type { Channel } from './channel.js';
import { workerEnv, workerFile } from './worker-file.js';
import type { FromWorker } from '../protocol.js';
import { serializedError, type SerializedError } from '../errors.js';

const ENTRY = workerFile('threads');

export interface ThreadChannelOptions {
  resourceLimits?: import('node:worker_threads').ResourceLimits;
  /** The task module the worker will run, when known: its code cache slot (worker-file.ts). */
  taskModule?: string;
}

export function threadChannel(options: ThreadChannelOptions = {}): Channel {
  // execArgv: [] so a parent's loaders (a test runner's) do not leak into workers; stdout goes to our stderr
  // so a task's console.log can never interleave with records on stdout.
  // Loaded on first use: a run without threads never pays for the module (start-up, docs/benchmarks.md).
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  const worker = new Worker(ENTRY, { execArgv: [], stdout: true, resourceLimits: options.resourceLimits, env: workerEnv(options.taskModule) });
  worker.stdout.pipe(process.stderr, { end: false });
  let terminating = false;
  let exited = false;
  let lastError: Error | null = null;
  // Nothing but its start-up asked of it and nothing heard from it: nothing of a run's is in it to finish.
  let busy = false;
  let exitHandler: (e: SerializedError) => void = () => {};
  let onClosed: (() => void) | null = null;
  worker.on('error', (err) => (lastError = err));
  worker.on('exit', (code) => {
    exited = true;
    if (terminating) return;
    const why = lastError ? `${(lastError as { code?: string }).code ?? lastError.name}: ${lastError.message}` : `exit code ${code}`;
    exitHandler(serializedError('WORKER_CRASHED', `worker thread died (${why})`));
  });
  return {
    send: (msg) => {
      if (msg.t !== 'preload' && msg.t !== 'init') busy = true;
      worker.postMessage(msg);
    },
    onMessage: (h) =>
      worker.on('message', (msg: FromWorker) => {
        busy = true;
        if (msg.t === 'closed') onClosed?.();
        h(msg);
      }),
    onExit: (h) => (exitHandler = h),
    async terminate(graceMs) {
      terminating = true;
      if (exited) return; // a dead worker would never answer: do not wait out the grace period
      // One still loading (a pre-started worker a short run never needed) would answer only once loaded.
      if (!busy) return void (await worker.terminate());
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        onClosed = () => {
          clearTimeout(timer);
          resolve();
        };
        worker.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        try {
          worker.postMessage({ t: 'close' });
        } catch {
          resolve();
        }
      });
      await worker.terminate();
    },
  };
}
