/** What the cluster tests share: a scrape through the library, and the keys a Redis still holds. */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RedisFixture } from '../../fixtures/redis-server.js';
import { scrape, type ScrapeOptions } from '../../src/jobs/scrape/scrape.js';
import type { ScrapeRecord, ScrapeTaskOptions } from '../../src/jobs/scrape/record.js';
import { parseJsonl } from '../helpers/cli.js';
import { until } from '../../fixtures/scrape-options.js';

export const taskDefaults: ScrapeTaskOptions = {
  timeoutMs: 10_000, connectTimeoutMs: 5_000, idleTimeoutMs: 5_000, retries: 2, backoffMs: 10, maxRetryAfterMs: 60_000,
  maxRedirects: 10, maxBytes: 10 * 2 ** 20, userAgent: 'fanout-test', headers: {}, selectors: [], links: false, saveDir: null,
  connectionsPerOrigin: 4,
};

export async function writeList(dir: string, lines: string[]): Promise<string> {
  const input = join(dir, `list-${Math.random().toString(36).slice(2)}.txt`);
  await writeFile(input, lines.join('\n') + '\n');
  return input;
}

export async function scrapeList(dir: string, lines: string[], extra: Partial<ScrapeOptions>): Promise<ScrapeRecord[]> {
  const input = await writeList(dir, lines);
  const output = `${input}.out`;
  await scrape({
    input, output, format: 'jsonl', resume: false, mode: 'async', workers: 1, concurrency: 8, ordered: true, perHost: 4,
    respectRobots: false, task: taskDefaults, ...extra,
  });
  return parseJsonl<ScrapeRecord>(await readFile(output, 'utf8'));
}

/** Every key the Redis holds. */
export function redisKeys(redis: RedisFixture): string[] {
  return execFileSync('redis-cli', ['-s', redis.socket, '--raw', 'keys', '*']).toString().split('\n').filter(Boolean);
}

export function redisTtlMs(redis: RedisFixture, key: string): number {
  return Number(execFileSync('redis-cli', ['-s', redis.socket, '--raw', 'pttl', key]).toString().trim());
}

/** Records without their timings (ms), which differ from run to run. */
export function withoutTimings(records: ScrapeRecord[]): Omit<ScrapeRecord, 'ms'>[] {
  return records.map(({ ms: _ms, ...rest }) => rest);
}

/** `until` with the cluster tests' safety net: runs there cross processes and Redis, so allow 20 s. */
export function waitFor(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  return until(cond, timeoutMs);
}
