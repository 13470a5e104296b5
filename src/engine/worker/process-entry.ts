/** Entry point of a child process, forked with IPC and `serialization: 'advanced'`. */
import { markOwnProcess } from './own-process.js';
import { TaskHost } from './task-host.js';
import type { FromWorker, ToWorker } from '../protocol.js';

if (!process.send) throw new Error('process-entry must be forked with an IPC channel');
markOwnProcess(); // a task may change the cwd here (the copy task works in each batch's folder)

// The coordinator is gone (killed, crashed): nothing can receive our results and nobody would rename what we
// write, so stop at once and quietly (a killed run's temps are removed by the next run).
const quit = () => process.exit(0);
// Without a callback, a send to a dead coordinator (EPIPE) is an unhandled 'error' and prints a stack trace.
const sent = (err: Error | null) => {
  if (err) quit();
};
const coordinator = process.ppid;
// process.ppid asks the kernel each time: once the coordinator dies we are re-parented. A syscall, so at most
// once a millisecond; read whenever a task reads its signal (between entries of a copy batch, which may run
// synchronously for long and would not see 'disconnect' until it ended).
let checkedAt = 0;
const checkCoordinator = () => {
  const now = performance.now();
  if (now - checkedAt < 1) return;
  checkedAt = now;
  if (process.ppid !== coordinator) quit();
};

const host = new TaskHost(
  (msg: FromWorker) => {
    if (msg.t === 'closed') process.send!(msg, () => process.exit(0));
    else process.send!(msg, sent);
  },
  setImmediate,
  checkCoordinator,
);
process.on('message', (msg: ToWorker) => host.handle(msg));
process.on('disconnect', quit);
// Ctrl-C in a terminal signals the whole process group, and systemd's SIGTERM the whole control group: the
// coordinator decides how to stop (it cancels the tasks and then closes us), so a child must not die under its
// in-flight tasks first. If the coordinator is gone instead, 'disconnect' above ends us.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.on('SIGHUP', () => {}); // a closed terminal signals the whole group too
