/**
 * `serve()`: the worker side of the cluster runtime. Finds the runs coordinators announce in Redis, checks each
 * manifest (a task this worker runs, the same fanout version, the paths it must share), and serves every run it
 * accepts with a ServedRun until the run ends or the worker is closed. A refusal is one line on both sides.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { FanoutError } from '../engine/errors.js';
import type { Mode } from '../engine/runtimes/channel.js';
import { BUILTIN_TASKS, describeTask, sha256 } from './builtin-tasks.js';
import { OWN_COMMANDS } from './client.js';
import { openRedisLink } from './connection.js';
import { preflight } from './preflight.js';
import { ANNOUNCE_CHANNEL, runKeys, RUNS_KEY } from './keys.js';
import { FANOUT_VERSION } from './version.js';
import { postResult, ServedRun } from './served-run.js';
import { checkShared } from './shared-paths.js';
import type { Manifest } from './wire.js';

export interface ServeOptions {
  /** The Redis the coordinators use. Required. */
  url: string;
  /** How this machine runs tasks: on its event loop, in worker threads or in child processes. Default: 'async'. */
  mode?: Mode;
  /** Threads or processes per run ('threads', 'procs'). Default: os.availableParallelism(). */
  workers?: number;
  /** A task module of this machine that runs may ask for (by its content), besides scrape and copy. Default: none. */
  task?: string;
  /** Seconds Redis may stay away before the worker stops (onLost). Default: 30. */
  reconnectSeconds?: number;
  /** Lines for the user: runs joined, left and refused; Redis away and back. Default: none. */
  onNotice?: (line: string) => void;
  /** Redis stayed away past reconnectSeconds: every connection is closed; close() the server. Default: none. */
  onLost?: (error: FanoutError) => void;
}

export interface Server {
  /** The worker's id, as runs see it (host:pid:random). */
  id: string;
  /** Runs being served now. */
  runs(): string[];
  /** Whether Redis is away now: close() then leaves at once, and the jobs held run again elsewhere after their lease. */
  redisAway(): boolean;
  /** Stops taking jobs, finishes those held (their results go back), leaves every run; see redisAway(). */
  close(): Promise<void>;
}

/** How often the registry is read when no announcement came (a missed publish, a restarted Redis). */
const POLL_MS = 1000;

export async function serve(options: ServeOptions): Promise<Server> {
  const mode = options.mode ?? 'async';
  const pool = { mode, workers: options.workers ?? availableParallelism() };
  const task = options.task ? { path: resolve(options.task), sha256: sha256(resolve(options.task)) } : null;
  const id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const notice = options.onNotice ?? (() => {});
  // An unfit Redis is one line before anything starts.
  for (const warning of (await preflight(options.url, 'worker', { commands: OWN_COMMANDS })).warnings) notice(warning);
  let away = false;
  const link = openRedisLink(options.url, {
    reconnectSeconds: options.reconnectSeconds,
    onReconnecting: (left) => {
      if (left !== null && !away) notice(`Redis went away: reconnecting to Redis (${left} s left)`);
      if (left === null && away) notice('Redis is back');
      away = left !== null;
    },
    onLost: options.onLost,
    stops: 'this worker stops; start it again once Redis is up',
  });
  const redis = link.client;
  const sub = link.duplicate();
  const served = new Map<string, ServedRun>();
  /** Runs refused or being joined: not looked at again. */
  const seen = new Set<string>();
  let closed = false;
  let polling: Promise<void> | null = null;

  const refuse = async (m: Manifest, why: string) => {
    notice(`refused run ${m.runId}: ${why}`);
    await postResult(redis, runKeys(m.runId), { w: id, n: `worker ${id} refused the run: ${why}` }).catch(() => {});
  };

  const join = async (runId: string) => {
    seen.add(runId);
    const text = await redis.get(runKeys(runId).manifest);
    if (!text || closed) return;
    const m = JSON.parse(text) as Manifest;
    if (m.version !== FANOUT_VERSION) return refuse(m, `it runs fanout ${m.version}, this worker is fanout ${FANOUT_VERSION}`);
    let module: string;
    if (m.task.name === 'module') {
      if (!task || task.sha256 !== m.task.sha256) {
        return refuse(m, `its task module ${describeTask(m.task)} is not this worker's ${task ? `--task ${task.path} (sha256 ${task.sha256.slice(0, 8)})` : 'own (start it with --task FILE)'}`);
      }
      module = task.path;
    } else if (m.task.name === 'scrape' || m.task.name === 'copy') module = BUILTIN_TASKS[m.task.name];
    else return refuse(m, `it names a task this worker does not know (${JSON.stringify(m.task)})`);
    const unshared = m.shared ? checkShared(m.shared) : null;
    if (unshared) return refuse(m, unshared);
    const run = new ServedRun(redis, m, id, pool, module);
    served.set(runId, run);
    await sub.subscribe(run.keys.control);
    try {
      await run.join();
      notice(`serving run ${runId} (${describeTask(m.task)})`);
    } catch (err) {
      served.delete(runId);
      await run.leave(true);
      await refuse(m, `the task cannot start here: ${(err as Error).message}`);
    }
  };

  const leave = async (runId: string) => {
    const run = served.get(runId);
    if (!run) return;
    served.delete(runId);
    await sub.unsubscribe(run.keys.control).catch(() => {});
    await run.leave(true);
    notice(`left run ${runId}`);
  };

  const poll = async () => {
    if (closed) return;
    const live = await redis.zrangebyscore(RUNS_KEY, Date.now(), '+inf');
    for (const runId of served.keys()) if (!live.includes(runId)) void leave(runId);
    // Entries of coordinators that were killed lapse here (the key itself has an expiry too).
    await redis.zremrangebyscore(RUNS_KEY, '-inf', Date.now());
    for (const runId of live) if (!seen.has(runId)) void join(runId).catch((err: unknown) => notice(`run ${runId}: ${(err as Error).message}`));
  };
  const pollSoon = () => {
    polling ??= poll().catch(() => {}).finally(() => (polling = null));
  };

  sub.on('message', (channel: string, message: string) => {
    if (channel === ANNOUNCE_CHANNEL) return pollSoon();
    for (const [runId, run] of served) {
      if (run.keys.control !== channel) continue;
      if (message === 'cancel') run.cancel();
      else if (message === 'end') void leave(runId);
    }
  });
  try {
    await sub.subscribe(ANNOUNCE_CHANNEL);
    await poll();
  } catch (err) {
    await link.close();
    throw new FanoutError('REDIS_UNREACHABLE', `cannot reach Redis at ${options.url}: ${(err as Error).message}`, { cause: err });
  }
  const timer = setInterval(pollSoon, POLL_MS);

  return {
    id,
    runs: () => [...served.keys()],
    redisAway: () => link.secondsLeft() !== null,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      // With Redis away, nothing held can be reported: the connections close first, so what waits for Redis
      // fails at once, and the runs are left without waiting for their jobs (they run again elsewhere).
      const down = link.secondsLeft() !== null;
      if (down) await link.close();
      await polling;
      await Promise.all([...served.values()].map((run) => run.leave(down)));
      served.clear();
      await link.close();
    },
  };
}
