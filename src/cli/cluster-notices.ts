/**
 * What a coordinator run with --cluster tells its user: workers that refused the run (one line each), and, while
 * no worker serves it, that it is waiting for workers (on the progress line, or once on stderr without one).
 */
import type { ClusterOptions } from '../cluster/queue-executor.js';
import type { PoolChoice } from './pool-options.js';

/** How long a run may wait for its first worker before saying so (without a progress line). */
const SAY_WAITING_AFTER_MS = 1000;

export interface ClusterNotices {
  options: ClusterOptions | undefined;
  /** True while no worker serves the run. */
  waiting(): boolean;
  dispose(): void;
}

export function clusterNotices(pool: PoolChoice, quiet: boolean, progressShown: boolean): ClusterNotices {
  if (!pool.cluster) return { options: undefined, waiting: () => false, dispose() {} };
  const { url } = pool.cluster;
  let workers = 0;
  let joined = false;
  const say = (line: string) => {
    if (!quiet) process.stderr.write(`${process.stderr.isTTY && progressShown ? '\r\x1b[K' : ''}fanout: ${line}\n`);
  };
  const timer = progressShown ? null : setTimeout(() => !joined && say(`waiting for workers on ${url} (start one: fanout worker ${url})`), SAY_WAITING_AFTER_MS);
  timer?.unref();
  return {
    options: {
      url,
      leaseSeconds: pool.cluster.leaseSeconds,
      onNotice: say,
      onWorkers: (n) => {
        workers = n;
        joined ||= n > 0;
      },
    },
    waiting: () => workers === 0,
    dispose: () => timer && clearTimeout(timer),
  };
}

/** The progress line's prefix while no worker serves the run. */
export function waitingText(url: string): string {
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
