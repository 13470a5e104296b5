/** The `async` runtime: the task runs on the coordinator's own event loop; messages are passed by reference. */
import { TaskHost } from '../worker/task-host.js';
import type { Channel } from './channel.js';
import type { FromWorker } from '../protocol.js';

export function asyncChannel(): Channel {
  let handler: (msg: FromWorker) => void = () => {};
  let closed: (() => void) | null = null;
  const host = new TaskHost((msg) => {
    if (msg.t === 'closed') closed?.();
    handler(msg);
  }, queueMicrotask);
  return {
    send: (msg) => host.handle(msg),
    onMessage: (h) => (handler = h),
    onExit: () => {},
    // A task's close() that never settles must not hold the run: give up waiting after the grace period.
    terminate: (graceMs) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        closed = () => {
          clearTimeout(timer);
          resolve();
        };
        host.handle({ t: 'close' });
      }),
  };
}
