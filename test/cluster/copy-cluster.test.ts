import { beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, writeFileSync } from 'node:fs';
import { fixtureTree, smallFiles } from '../../fixtures/tree.js';
import { copy } from '../../src/jobs/copy/copy.js';
import type { CopyRecord } from '../../src/jobs/copy/record.js';
import { checkShared } from '../../src/cluster/shared-paths.js';
import { expectSameTree, tempNames } from '../jobs/copy/snapshot.js';
import { redisKeys, redisRig } from './support.js';

const rig = redisRig('fanout cluster-copy-');
let base: string;
let src: string;

beforeAll(() => {
  base = rig.dir;
  src = `${base}/src`;
  fixtureTree(src);
  smallFiles(`${src}/many`, 600);
});

async function copyTo(dst: string, extra: Partial<Parameters<typeof copy>[0]>): Promise<CopyRecord[]> {
  const records: CopyRecord[] = [];
  const summary = await copy({ src, dst, onRecord: (r) => records.push(r), ...extra });
  expect(summary.failed, JSON.stringify(summary.firstFailures)).toBe(0);
  return records;
}

describe('copy through the cluster', () => {
  it('makes the same tree, with the same records, as a local copy, and leaves neither its probe nor keys behind', async () => {
    await rig.startWorker(['--procs', '2']);
    const local = await copyTo(`${base}/local`, { mode: 'async' });
    const remote = await copyTo(`${base}/remote`, { mode: 'cluster', cluster: { url: rig.redis.url }, batchSize: 32 });
    expect(remote).toEqual(local);
    expectSameTree(src, `${base}/remote`);
    expect(tempNames(`${base}/remote`)).toEqual([]);
    expect(readdirSync(`${base}/remote`).filter((n) => n.startsWith('.fanout-'))).toEqual([]);
    expect(redisKeys(rig.redis)).toEqual([]);
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
