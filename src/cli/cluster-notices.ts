/**
 * What a coordinator run with --cluster tells its user: workers that refused the run (one line each), and, while
 * no worker serves it or Redis is away, that it is waiting for workers or reconnecting to Redis (on the progress
 * line, or once on stderr without one).
 */
import type { ClusterOptions } from '../cluster/queue-executor.js';
import type { PoolChoice } from './pool-options.js';

/** How long a run may wait for its first worker before saying so (without a progress line). */
const SAY_WAITING_AFTER_MS = 1000;

export interface ClusterNotices {
  options: ClusterOptions | undefined;
  /** What the progress line shows instead of the counts: reconnecting to Redis, or waiting for workers; else null. */
  status(): string | null;
  dispose(): void;
}

export function clusterNotices(pool: PoolChoice, quiet: boolean, progressShown: boolean): ClusterNotices {
  if (!pool.cluster) return { options: undefined, status: () => null, dispose() {} };
  // The password stays out of what is shown.
  const url = withoutPassword(pool.cluster.url);
  let workers = 0;
  let secondsLeft: number | null = null;
  let joined = false;
  const say = (line: string) => {
    if (!quiet) process.stderr.write(`${process.stderr.isTTY && progressShown ? '\r\x1b[K' : ''}fanout: ${line}\n`);
  };
  const timer = progressShown ? null : setTimeout(() => !joined && say(waitingText(url)), SAY_WAITING_AFTER_MS);
  timer?.unref();
  return {
    options: {
      url: pool.cluster.url,
      leaseSeconds: pool.cluster.leaseSeconds,
      reconnectSeconds: pool.cluster.reconnectSeconds,
      onReconnecting: (left) => {
        if (!progressShown && left !== null && secondsLeft === null) say(`Redis went away: ${reconnectingNote(left)}`);
        if (!progressShown && left === null && secondsLeft !== null) say('Redis is back');
        secondsLeft = left;
      },
      onNotice: say,
      onWorkers: (n) => {
        workers = n;
        joined ||= n > 0;
      },
    },
    status: () => (secondsLeft !== null ? reconnectingNote(secondsLeft) : workers === 0 ? waitingText(url) : null),
    dispose: () => timer && clearTimeout(timer),
  };
}

/** The progress line's words while Redis is away. */
function reconnectingNote(secondsLeft: number): string {
  return `reconnecting to Redis (${secondsLeft} s left)`;
}

/** The URL as shown: no password (cluster/redis-url.ts is not loaded here, to keep it out of the CLI's start). */
function withoutPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^:@/]*):[^@/]*@/i, (_, scheme: string, user: string) => `${scheme}${user ? `${user}@` : ''}`);
}

/** The progress line's words while no worker serves the run. */
function waitingText(url: string): string {
  return `waiting for workers on ${url} (start one: fanout worker ${url})`;
}

/** With --cluster: refuses an unfit Redis (one line, exit 2) before anything is read or written. */
export async function clusterPreflight(pool: PoolChoice, quiet: boolean): Promise<void> {
  if (!pool.cluster) return;
  // BullMQ takes a while to load: it loads while preflight waits for Redis (the run imports it from the cache).
  void import('../cluster/queue-executor.js').catch(() => {});
  const [{ preflight }, { OWN_COMMANDS }] = await Promise.all([import('../cluster/preflight.js'), import('../cluster/client.js')]);
  const { warnings } = await preflight(pool.cluster.url, 'coordinator', { commands: OWN_COMMANDS });
  if (!quiet) for (const w of warnings) process.stderr.write(`fanout: ${w}\n`);
}
