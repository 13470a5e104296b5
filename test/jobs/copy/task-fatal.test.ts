/** The copy task (task.ts) after a disk-full or read-only error in its worker: an item never goes on past it. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import createTask from '../../../src/jobs/copy/task.js';
import type { CopyItem } from '../../../src/jobs/copy/task.js';
import { removeTree } from '../../../fixtures/tree.js';
import { skipUnless } from '../../helpers/needs.js';
import { canMountTmpfs } from './scratch.js';

const folder = (dir: string, names: string[]) => ({ dir, fresh: false, sgid: false, names, types: names.map(() => 'file' as const) });

describe('copy task after a fatal error', () => {
  let base: string;
  let mounted = false;
  beforeAll(() => {
    base = mkdtempSync(`${tmpdir()}/fanout task fatal `);
    for (const d of ['x', 'y', 'z']) {
      mkdirSync(`${base}/src/${d}`, { recursive: true });
      mkdirSync(`${base}/dst/${d}`, { recursive: true });
    }
    // Copied on libuv's pool, chunk by chunk: the item waits for it over many turns of the event loop.
    writeFileSync(`${base}/src/x/big`, Buffer.alloc(32 << 20, 7));
    writeFileSync(`${base}/src/y/small`, 'y\n');
    writeFileSync(`${base}/src/z/small`, 'z\n');
  });
  afterAll(() => {
    if (mounted) spawnSync('umount', ['-l', `${base}/dst/z`]);
    removeTree(base);
  });

  it("fails an item cut short by another item's read-only error with that error, so no folder of it is reported without its files", async (ctx) => {
    skipUnless(ctx, canMountTmpfs(), 'needs root allowed to mount a tmpfs (a read-only disk)');
    mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', `${base}/dst/z`]).status === 0;
    expect(mounted).toBe(true);
    const task = await createTask({ src: `${base}/src`, dst: `${base}/dst`, dryRun: false, checksum: false, force: false, verify: false });
    const taskCtx = { signal: new AbortController().signal, attempt: 1, index: 0, releaseKey: () => {} };
    // Item A: a large file (asynchronous), then a small folder. While A waits, item B meets the read-only disk.
    const a = task([folder('x', ['big']), folder('y', ['small'])] as CopyItem, taskCtx);
    expect(a).toBeInstanceOf(Promise);
    const b = await task([folder('z', ['small'])] as CopyItem, taskCtx);
    expect(b[0]!.extra?.[0]?.error?.code).toBe('READ_ONLY');
    // A's folder y was never started: A must not come back as if it were whole up to there and no further.
    await expect(Promise.resolve(a)).rejects.toMatchObject({ code: 'READ_ONLY' });
  });
});
