/** The `async` runtime: the task runs on the coordinator's own event loop; messages are passed by reference. */
import { TurnClock } from '../turn-clock.js';
import { TaskHost } from '../worker/task-host.js';
import type { Channel } from './channel.js';
import type { FromWorker, ToWorker } from '../protocol.js';

/**
 * Tasks that settle synchronously (a copy batch) and the coordinator's refills chain through microtasks, which
 * would keep the event loop from ever turning: no signal (Ctrl-C), timer or I/O callback would run until the
 * whole job is done. So once a turn has lasted this long, new work waits for the next turn (setImmediate).
 */
const YIELD_AFTER_MS = 20;

export function asyncChannel(): Channel {
  let handler: (msg: FromWorker) => void = () => {};
  let closed: (() => void) | null = null;
  const host = new TaskHost((msg) => {
    if (msg.t === 'closed') closed?.();
    handler(msg);
  }, queueMicrotask);
  const turn = new TurnClock(); // counts from the first work sent in a turn, delivered work included
  let deferred: ToWorker[] = [];
  const deliver = () => {
    turn.elapsed();
    const list = deferred;
    deferred = [];
    for (const msg of list) host.handle(msg);
  };
  const send = (msg: ToWorker) => {
    // A cancel must reach tasks that are running now, not wait behind work that has not started (which sees the
    // aborted signal when it does start).
    if (msg.t === 'cancel') host.handle(msg);
    else if (deferred.length > 0) deferred.push(msg); // keeps the order of messages
    else if (msg.t === 'run' && turn.elapsed() > YIELD_AFTER_MS) {
      deferred.push(msg);
      setImmediate(deliver); // queued after the clock's stop: the next turn counts afresh
    } else host.handle(msg);
  };
  return {
    send,
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
        send({ t: 'close' });
      }),
  };
}
