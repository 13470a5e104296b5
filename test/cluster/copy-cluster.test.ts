import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startRedis, type RedisFixture } from '../../fixtures/redis-server.js';
import { startWorker, stopWorker } from '../../fixtures/cluster-workers.js';
import { fixtureTree, removeTree, smallFiles } from '../../fixtures/tree.js';
import { copy } from '../../src/jobs/copy/copy.js';
import type { CopyRecord } from '../../src/jobs/copy/record.js';
import { checkShared } from '../../src/cluster/shared-paths.js';
import { expectSameTree, tempNames } from '../jobs/copy/snapshot.js';
import { redisKeys } from './support.js';

let redis: RedisFixture;
let base: string;
let src: string;

beforeAll(async () => {
  redis = await startRedis();
  base = mkdtempSync(`${tmpdir()}/fanout cluster-copy-`);
  src = `${base}/src`;
  fixtureTree(src);
  smallFiles(`${src}/many`, 600);
});
afterAll(async () => {
  await redis.stop();
  removeTree(base);
});

async function copyTo(dst: string, extra: Partial<Parameters<typeof copy>[0]>): Promise<CopyRecord[]> {
  const records: CopyRecord[] = [];
  const summary = await copy({ src, dst, onRecord: (r) => records.push(r), ...extra });
  expect(summary.failed, JSON.stringify(summary.firstFailures)).toBe(0);
  return records;
}

describe('copy through the cluster', () => {
  it('makes the same tree, with the same records, as a local copy, and leaves neither its probe nor keys behind', async () => {
    const worker = await startWorker(redis.url, ['--procs', '2']);
    try {
      const local = await copyTo(`${base}/local`, { mode: 'async' });
      const remote = await copyTo(`${base}/remote`, { mode: 'cluster', cluster: { url: redis.url }, batchSize: 32 });
      expect(remote).toEqual(local);
      expectSameTree(src, `${base}/remote`);
      expect(tempNames(`${base}/remote`)).toEqual([]);
      expect(readdirSync(`${base}/remote`).filter((n) => n.startsWith('.fanout-probe-'))).toEqual([]);
      expect(redisKeys(redis)).toEqual([]);
    } finally {
      await stopWorker(worker);
    }
  });

  it('refuses a worker that reads another probe file than the coordinator wrote, naming the file', () => {
    const probe = `${base}/probe`;
    writeFileSync(probe, 'the token here');
    expect(checkShared({ files: [{ path: probe, content: 'the coordinator token' }] })).toBe(
      `${probe} here is not the file the coordinator wrote: the run needs a file system shared with it`,
    );
    expect(checkShared({ files: [{ path: `${base}/nowhere`, content: 'x' }] })).toMatch(/cannot see .*nowhere \(ENOENT\), which the coordinator wrote/);
    expect(checkShared({ files: [{ path: probe, content: 'the token here' }] })).toBeNull();
  });
});
