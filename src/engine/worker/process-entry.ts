/** Entry point of a child process, forked with IPC and `serialization: 'advanced'`. */
import { TaskHost } from './task-host.js';
import type { FromWorker, ToWorker } from '../protocol.js';

if (!process.send) throw new Error('process-entry must be forked with an IPC channel');

const host = new TaskHost((msg: FromWorker) => {
  if (msg.t === 'closed') process.send!(msg, () => process.exit(0));
  else process.send!(msg);
});
process.on('message', (msg: ToWorker) => host.handle(msg));
// The coordinator is gone (killed, crashed): nothing can receive our results, so stop.
process.on('disconnect', () => process.exit(0));
// Ctrl-C in a terminal signals the whole process group, and systemd's SIGTERM the whole control group: the
// coordinator decides how to stop (it cancels the tasks and then closes us), so a child must not die under its
// in-flight tasks first. If the coordinator is gone instead, 'disconnect' above ends us.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
