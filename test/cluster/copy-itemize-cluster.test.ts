/** `fanout copy -i --cluster`: what changed crosses Redis like the rest of a record (needs the build). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisFixture } from '../../fixtures/redis-server.js';
import { startWorker, stopWorker } from '../../fixtures/cluster-workers.js';
import { removeTree } from '../../fixtures/tree.js';
import { runCli } from '../helpers/cli.js';
import { changeTree, ITEMIZED, makeTree } from '../jobs/copy/changed-tree.js';
import { redisKeys } from './support.js';

let redis: RedisFixture;
let base: string;

beforeAll(async () => {
  redis = await startRedis();
  base = mkdtempSync(`${tmpdir()}/fanout cluster-itemize `);
});
afterAll(async () => {
  await redis.stop();
  removeTree(base);
});

describe('copy -i through the cluster', () => {
  it('prints the lines a local run prints, in the same order', async () => {
    const worker = await startWorker(redis.url, ['--procs', '2']);
    try {
      const src = `${base}/src`;
      const dst = `${base}/dst`;
      makeTree(src);
      expect((await runCli(['copy', '-q', src, dst, '--cluster', redis.url])).code).toBe(0);
      changeTree(src);
      const r = await runCli(['copy', '-i', src, dst, '--cluster', redis.url]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n').filter(Boolean)).toEqual(ITEMIZED);
      expect(redisKeys(redis)).toEqual([]);
    } finally {
      await stopWorker(worker);
    }
  });
});
