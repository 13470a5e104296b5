/** The `procs` runtime: one child process per channel, IPC with `serialization: 'advanced'`. */
import type { Channel } from './channel.js';
import { workerEnv, workerFile } from './worker-file.js';
import type { FromWorker } from '../protocol.js';
import { serializedError, type SerializedError } from '../errors.js';

const ENTRY = workerFile('procs');

/** A child process; `taskModule`, the task module it will run when known, picks its code cache slot. */
export function processChannel(taskModule?: string): Channel {
  // The child's stdout is our stderr, so a task's console.log can never interleave with records on stdout.
  // Loaded on first use: a run without child processes never pays for the module (start-up).
  const { fork } = process.getBuiltinModule('node:child_process');
  const child = fork(ENTRY, [], { serialization: 'advanced', stdio: ['ignore', 2, 'inherit', 'ipc'], execArgv: [], env: workerEnv(taskModule) });
  let terminating = false;
  let exited = false;
  let exitHandler: (e: SerializedError) => void = () => {};
  // Nothing but its start-up asked of it and nothing heard from it: nothing of a run's is in it to finish.
  let busy = false;
  const exitedP = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = true;
      resolve();
      if (terminating) return;
      const why = signal ? `killed by ${signal}` : `exit code ${code}`;
      exitHandler(serializedError('WORKER_CRASHED', `worker process died (${why})`));
    }),
  );
  child.on('error', () => {}); // reported through 'exit'; an EPIPE on send to a dead child must not throw
  return {
    send: (msg) => {
      if (msg.t !== 'preload' && msg.t !== 'init') busy = true;
      if (!exited && child.connected) child.send(msg);
    },
    onMessage: (h) =>
      child.on('message', (msg: FromWorker) => {
        busy = true;
        h(msg);
      }),
    onExit: (h) => (exitHandler = h),
    async terminate(graceMs) {
      terminating = true;
      if (exited) return;
      // One still loading (a pre-started worker a short run never needed) would answer only once loaded.
      if (child.connected && busy) child.send({ t: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), busy ? graceMs : 0);
      await exitedP;
      clearTimeout(timer);
    },
  };
}
