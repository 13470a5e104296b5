/** A Redis connection for the cluster runtime, both sides. */
import { Redis } from 'ioredis';
import { bullmqWorkerOptions, parseRedisUrl } from './redis-url.js';

/**
 * `maxRetriesPerRequest: null`: commands wait while ioredis reconnects instead of failing after 20 tries (BullMQ
 * requires it for its blocking connections; the results reader blocks too).
 */
export function connect(url: string): Redis {
  const client = new Redis(bullmqWorkerOptions(parseRedisUrl(url)));
  // A connection error is reported by the command that needed the connection; without a listener ioredis prints it.
  client.on('error', () => {});
  return client;
}

/** Commands of the cluster runtime's own, beyond BullMQ's, that preflight checks for. */
export const OWN_COMMANDS = ['XREADGROUP', 'XGROUP', 'XACK', 'XDEL', 'XADD', 'EVAL', 'PUBLISH', 'SUBSCRIBE', 'ZADD', 'ZRANGEBYSCORE', 'HSET', 'SCAN', 'UNLINK', 'PEXPIRE'];

/** Deletes every key matching `pattern` (SCAN, then UNLINK in batches). */
export async function removeKeys(client: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
}

/** Gives every key matching `pattern` an expiry (job locks keep theirs: a lock's expiry is the lease). */
export async function expireKeys(client: Redis, pattern: string, ttlMs: number): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    const pipe = client.pipeline();
    for (const k of keys) if (!k.endsWith(':lock')) pipe.pexpire(k, ttlMs);
    if (keys.length > 0) await pipe.exec();
  } while (cursor !== '0');
}
