/** The flags every command shares for choosing and sizing the pool. */
import type { Argv } from 'yargs';
import type { RunMode } from '../engine/create-executor.js';
import { UsageError } from './exit-codes.js';
import { numberOption, parseNumber, ranged, whole } from './number-option.js';

export interface PoolFlags {
  threads?: number;
  procs?: number;
  concurrency: number;
  unordered?: boolean;
  cluster?: string;
  lease?: number;
  reconnect?: number;
}

/** `unordered: false` for a job whose records must stay in order (copy's come in walk order). */
export function withPoolOptions<T>(y: Argv<T>, defaultConcurrency: number, { unordered = true } = {}) {
  const flags = ['threads', 'procs', 'cluster', 'lease', 'reconnect', 'concurrency'];
  y.option('threads', numberOption('--threads', whole(1), { describe: 'run tasks in N worker threads (default: async, on the main event loop)' }))
    .option('procs', numberOption('--procs', whole(1), { describe: 'run tasks in N child processes' }))
    .option('cluster', { type: 'string', requiresArg: true, describe: 'run tasks on `fanout worker` machines through the Redis at URL' })
    .option('lease', numberOption('--lease', ranged('seconds', 0.1, 86_400), { default: 30, describe: 'with --cluster: seconds before a silent worker\'s items run elsewhere' }))
    .option('reconnect', numberOption('--reconnect', ranged('seconds', 0, 86_400), { default: 30, describe: 'with --cluster: seconds to wait for a Redis that went away before the run stops (resumable)' }))
    .option('concurrency', numberOption('--concurrency', whole(1), { alias: 'c', default: defaultConcurrency, describe: 'items in flight at once, across all workers' }));
  if (unordered) {
    y.option('unordered', { type: 'boolean', default: false, describe: 'write results as they complete instead of in input order' });
    flags.push('unordered');
  }
  return y.group(flags, 'Pool:');
}

export interface PoolChoice {
  mode: RunMode;
  workers: number;
  concurrency: number;
  ordered: boolean;
  /** With --cluster: the Redis URL, the lease and the reconnection bound in seconds. */
  cluster?: { url: string; leaseSeconds: number; reconnectSeconds: number };
}

export function poolChoice(flags: PoolFlags): PoolChoice {
  if (flags.threads !== undefined && flags.procs !== undefined) throw new UsageError('--threads and --procs cannot be combined');
  if (flags.cluster !== undefined) {
    const local = flags.threads !== undefined ? '--threads' : flags.procs !== undefined ? '--procs' : null;
    if (local) throw new UsageError(`--cluster and ${local} cannot be combined (each worker picks its own: fanout worker URL ${local} N)`);
    wholeNumber('--concurrency', flags.concurrency);
    return { mode: 'cluster', workers: 1, concurrency: flags.concurrency, ordered: !flags.unordered, cluster: { url: flags.cluster, leaseSeconds: flags.lease ?? 30, reconnectSeconds: flags.reconnect ?? 30 } };
  }
  const workers = flags.threads ?? flags.procs ?? 1;
  const mode: RunMode = flags.threads !== undefined ? 'threads' : flags.procs !== undefined ? 'procs' : 'async';
  wholeNumber(flags.threads !== undefined ? '--threads' : '--procs', workers);
  wholeNumber('--concurrency', flags.concurrency);
  return { mode, workers, concurrency: flags.concurrency, ordered: !flags.unordered };
}

/** `n` (a number, or the text the user typed) as a whole number >= min, or a usage error quoting it. */
export function wholeNumber(flag: string, n: number | string, min = 1): number {
  return parseNumber(flag, whole(min), n);
}
