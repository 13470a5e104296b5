/**
 * Workers started before a run is set up, so that their start-up (~45 ms for a thread, ~80 ms for a process,
 * plus loading the task module) overlaps the caller's own loading instead of following it. The CLI starts them
 * from a peek at its arguments, before it loads yargs and the job; the first pool of the same mode adopts them.
 * One nobody adopts ends with the process (a thread) or when its IPC channel closes (a child).
 */
import type { Channel, Mode } from './channel.js';
import { processChannel } from './process-channel.js';
import { threadChannel } from './thread-channel.js';

const waiting: { mode: Mode; channel: Channel }[] = [];

/** Starts `count` workers of `mode` and has them load `taskModule` (a path) ahead of their `init`. */
export function prestart(mode: 'threads' | 'procs', count: number, taskModule: string): void {
  for (let i = 0; i < count; i++) {
    const channel = mode === 'threads' ? threadChannel() : processChannel();
    const entry = { mode, channel };
    // A worker that dies while waiting is not handed out (the pool that adopts one replaces this handler).
    channel.onExit(() => {
      const at = waiting.indexOf(entry);
      if (at >= 0) waiting.splice(at, 1);
    });
    channel.send({ t: 'preload', module: taskModule });
    waiting.push(entry);
  }
}

/** A waiting worker of `mode`, if any: it is the caller's from now on. */
export function takePrestarted(mode: Mode): Channel | undefined {
  const i = waiting.findIndex((w) => w.mode === mode);
  return i < 0 ? undefined : waiting.splice(i, 1)[0]!.channel;
}
