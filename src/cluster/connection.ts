/**
 * The Redis connections of one side of a cluster run (the coordinator, or a worker), with bounded reconnection.
 * ioredis alone reconnects forever and holds commands meanwhile, so a Redis that went away would hang a run
 * silently. Here, while Redis is down, `onReconnecting` reports the seconds left each second (for the progress
 * line); when it comes back in time, commands held meanwhile go through; when the bound passes, every connection
 * is closed (held commands fail) and `onLost` gets a REDIS_LOST error: the caller stops the run as Ctrl-C does.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { FanoutError } from '../engine/errors.js';
import { parseRedisUrl, redisLocation } from './redis-url.js';

export interface RedisLinkOptions {
  /** Seconds Redis may stay away before the run stops (Infinity: wait for ever). Default: 30. */
  reconnectSeconds?: number;
  /** While Redis is away: the seconds left, each second; null once it is back. Default: none. */
  onReconnecting?: (secondsLeft: number | null) => void;
  /**
   * Redis is back after an outage. `restarted`: it is another server process (its run_id changed), so what
   * the run had put in Redis survived only if that Redis persists its data: check before going on. Default: none.
   */
  onBack?: (info: { restarted: boolean }) => void;
  /** The bound passed: every connection is closed; stop the run with this error. Default: none. */
  onLost?: (error: FanoutError) => void;
  /** What the REDIS_LOST message says stops, and what next. Default: the run stops, start it again with --resume. */
  stops?: string;
  /** Where REDIS_PASSWORD is read. Default: process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface RedisLink {
  /** The side's main connection; `maxRetriesPerRequest: null`, so BullMQ's Queue and Worker take it too. */
  readonly client: Redis;
  /** Another connection to the same Redis under the same bound (a blocking reader, a subscriber). */
  duplicate(): Redis;
  /** Seconds left while Redis is away, null while it is up. */
  secondsLeft(): number | null;
  /** Closes every connection: QUIT when connected (pending replies arrive first), at once when not. */
  close(): Promise<void>;
}

/** Delay between reconnection attempts: short, so a Redis that is back is seen within about a second. */
const RETRY_MS = [50, 100, 250, 500, 1000];

export function openRedisLink(url: string, options: RedisLinkOptions = {}): RedisLink {
  const target = parseRedisUrl(url, options.env);
  const boundMs = (options.reconnectSeconds ?? 30) * 1000;
  const clients = new Set<Redis>();
  let ending = false;
  let downSince: number | null = null;
  let ticker: NodeJS.Timeout | undefined;
  let runId: string | undefined;

  const connectionOptions: RedisOptions = {
    ...target,
    maxRetriesPerRequest: null,
    // ioredis keeps these options for duplicate(), BullMQ's own duplicates included: they all stop together.
    retryStrategy: (times) => (ending ? null : RETRY_MS[Math.min(times, RETRY_MS.length) - 1]),
  };

  const track = (c: Redis): Redis => {
    clients.add(c);
    // A connection error is reported by the command that needed it, or as REDIS_LOST; ioredis would print it.
    c.on('error', () => {});
    c.once('end', () => clients.delete(c));
    return c;
  };

  const client = track(new Redis(connectionOptions));

  const secondsLeft = (): number | null => (downSince === null ? null : Math.max(0, Math.ceil((downSince + boundMs - Date.now()) / 1000)));

  const lose = (): void => {
    if (ending) return;
    const error = new FanoutError('REDIS_LOST', `Redis at ${redisLocation(target)} went away and did not come back within ${boundMs / 1000} s: ${options.stops ?? 'the run stops; once Redis is up, start it again with --resume'}`);
    stop();
    options.onLost?.(error);
  };

  const stop = (): void => {
    ending = true;
    clearInterval(ticker);
    for (const c of clients) c.disconnect();
  };

  /** Redis is away (or not reached yet): the bound starts; it is reported once it had been up. */
  const wentDown = (): void => {
    if (ending || downSince !== null) return;
    downSince = Date.now();
    if (runId !== undefined) options.onReconnecting?.(secondsLeft());
    ticker = setInterval(() => {
      const left = secondsLeft();
      if (left === 0) lose();
      else if (left !== null && runId !== undefined) options.onReconnecting?.(left);
    }, 1000);
  };

  client.on('close', wentDown);
  client.on('ready', () => {
    void client.info('server').then((info) => {
      if (ending) return;
      const id = /^run_id:(\w+)/m.exec(info)?.[1] ?? '';
      const before = runId;
      runId = id;
      downSince = null;
      clearInterval(ticker);
      if (before === undefined) return;
      options.onReconnecting?.(null);
      options.onBack?.({ restarted: id !== before });
    }, () => {});
  });
  wentDown();

  return {
    client,
    duplicate: () => track(client.duplicate()),
    secondsLeft,
    async close() {
      if (ending && clients.size === 0) return;
      const up = downSince === null;
      ending = true;
      clearInterval(ticker);
      await Promise.all([...clients].map((c) => (up && c.status === 'ready' ? c.quit().then(() => {}, () => c.disconnect()) : c.disconnect())));
    },
  };
}
