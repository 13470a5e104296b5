import { afterEach, describe, expect, it } from 'vitest';
import { startRedis, type RedisFixture } from '../../fixtures/redis-server.js';
import { openRedisLink, type RedisLink } from '../../src/cluster/connection.js';
import { FanoutError } from '../../src/engine/errors.js';

/** Resolves once `check` holds, polling; the timeout is only a safety net. */
async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function setup(reconnectSeconds: number) {
  const redis: RedisFixture = await startRedis();
  cleanup.push(() => redis.stop());
  const seen: (number | null)[] = [];
  const back: { restarted: boolean }[] = [];
  let lost: FanoutError | undefined;
  const link: RedisLink = openRedisLink(redis.url, {
    reconnectSeconds,
    env: {},
    onReconnecting: (s) => seen.push(s),
    onBack: (info) => back.push(info),
    onLost: (err) => (lost = err),
  });
  cleanup.push(() => link.close());
  await link.client.ping();
  // Up means the server's identity was read, so that a restart is told from a blip.
  await until(() => link.secondsLeft() === null, 'the first connection');
  return { redis, link, seen, back, lost: () => lost };
}

describe('a Redis link', () => {
  it('reports the seconds left while Redis is away, holds commands, and sends them when it is back', async () => {
    const { redis, link, seen, back, lost } = await setup(30);
    const blocking = link.duplicate();
    await blocking.ping();

    await redis.kill();
    await until(() => seen.length > 0, 'a reconnecting report');
    expect(seen[0]).toBeGreaterThan(25);
    expect(seen[0]).toBeLessThanOrEqual(30);
    expect(link.secondsLeft()).toBeGreaterThan(0);
    const held = link.client.set('k', 'v');
    const heldOnDuplicate = blocking.incr('n');

    await redis.start();
    await expect(held).resolves.toBe('OK');
    await expect(heldOnDuplicate).resolves.toBe(1);
    await until(() => back.length > 0, 'the link to see Redis back');
    expect(seen.at(-1)).toBeNull();
    expect(link.secondsLeft()).toBeNull();
    // The fixture's Redis keeps no data: the caller is told it is another server, so the run's keys are gone.
    expect(back).toEqual([{ restarted: true }]);
    expect(lost()).toBeUndefined();
  });

  it('gives up after the bound with one REDIS_LOST line, failing what was held, on every connection', async () => {
    const { redis, link, seen, lost } = await setup(2);
    const blocking = link.duplicate();
    await blocking.ping();
    await redis.kill();
    const killedAt = Date.now();
    const held = link.client.get('k').then(() => 'answered', (e: Error) => e.message);
    const heldOnDuplicate = blocking.brpop('list', 0).then(() => 'answered', (e: Error) => e.message);

    await until(() => lost() !== undefined, 'REDIS_LOST');
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(1_000);
    const err = lost()!;
    expect(err.code).toBe('REDIS_LOST');
    expect(err.message).toMatch(/^Redis at 127\.0\.0\.1:\d+ went away and did not come back within 2 s: .*--resume$/);
    expect(err.message).not.toContain('\n');
    expect(seen.filter((s) => s !== null).length).toBeGreaterThan(0);
    expect(await held).not.toBe('answered');
    expect(await heldOnDuplicate).not.toBe('answered');
    await until(() => link.client.status === 'end' && blocking.status === 'end', 'every connection to end');

    // Redis coming back later changes nothing: the run has stopped.
    await redis.start();
    expect(link.client.status).toBe('end');
  });

  it('reports nothing and stays up through a Redis that does not go away', async () => {
    const { link, seen, back } = await setup(30);
    for (let i = 0; i < 20; i++) await link.client.incr('n');
    expect(seen).toEqual([]);
    expect(back).toEqual([]);
  });

  it('closes at once while Redis is away, without waiting for the bound', async () => {
    const { redis, link, lost } = await setup(30);
    await redis.kill();
    await until(() => link.secondsLeft() !== null, 'the link to see Redis gone');
    const started = Date.now();
    await link.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(link.client.status).toBe('end');
    expect(lost()).toBeUndefined();
  });
});
