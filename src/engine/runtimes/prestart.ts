/**
 * Worker pre-start, all of it: workers started before a run is set up, so that their start-up (~45 ms for a
 * thread, ~80 ms for a process, plus loading the task module) overlaps the caller's own loading instead of
 * following it. Each is told at once which task module to load (the `preload` message); the first pool of the
 * same mode and the same task module adopts it. A pool that runs another module must not get a worker that
 * holds the wrong one (its imports and their side effects stay in that worker for good): such workers are
 * ended when the pool asks, and the pool starts fresh ones. One nobody adopts ends with the process (a thread)
 * or when its IPC channel closes (a child).
 */
import { moduleUrl } from '../protocol.js';
import type { Channel } from './channel.js';
import { processChannel } from './process-channel.js';
import { threadChannel } from './thread-channel.js';

/** The local modes whose workers can start ahead: a thread or a child process. */
export type WorkerMode = 'threads' | 'procs';

interface Waiting {
  mode: WorkerMode;
  /** The task module it was told to load, as a URL (a path and its URL name one module). */
  module: string;
  channel: Channel;
}

/**
 * The waiting workers, kept on the global object: the bundled CLI's boot (src/cli/boot.ts) starts them before the
 * CLI bundle, which holds its own copy of this module, is read.
 */
const WAITING = Symbol.for('fanout.prestarted');
const waiting: Waiting[] = ((globalThis as { [WAITING]?: Waiting[] })[WAITING] ??= []);

/** Grace for a guessed-wrong worker's close message before it is killed. */
const UNUSED_GRACE_MS = 1000;

/** Starts `count` workers of `mode` and has them load `taskModule` (a path or file URL) ahead of their `init`. */
export function prestart(mode: WorkerMode, count: number, taskModule: string): void {
  for (let i = 0; i < count; i++) {
    const channel = mode === 'threads' ? threadChannel({ taskModule }) : processChannel(taskModule);
    const entry: Waiting = { mode, module: moduleUrl(taskModule), channel };
    // A worker that dies while waiting is not handed out (the pool that adopts one replaces this handler).
    channel.onExit(() => {
      const at = waiting.indexOf(entry);
      if (at >= 0) waiting.splice(at, 1);
    });
    channel.send({ t: 'preload', module: taskModule });
    waiting.push(entry);
  }
}

/**
 * A waiting worker of `mode` that loaded `taskModule`, if any: it is the caller's from now on. Waiting workers
 * of `mode` that loaded another module are ended: they were started for this run, and guessed wrong.
 */
export function takePrestarted(mode: WorkerMode, taskModule: string): Channel | undefined {
  const wanted = moduleUrl(taskModule);
  for (let i = waiting.length - 1; i >= 0; i--) {
    const w = waiting[i]!;
    if (w.mode === mode && w.module !== wanted) {
      waiting.splice(i, 1);
      void w.channel.terminate(UNUSED_GRACE_MS);
    }
  }
  const at = waiting.findIndex((w) => w.mode === mode);
  return at < 0 ? undefined : waiting.splice(at, 1)[0]!.channel;
}

/** Ends every waiting worker of `mode` (a pre-start nobody will use); resolves with how many there were. */
export async function endPrestarted(mode: WorkerMode): Promise<number> {
  const ended = waiting.filter((w) => w.mode === mode);
  for (const w of ended) waiting.splice(waiting.indexOf(w), 1);
  await Promise.all(ended.map((w) => w.channel.terminate(0)));
  return ended.length;
}
