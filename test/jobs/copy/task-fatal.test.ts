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
    mkdirSync(`${base}/src/z`, { recursive: true });
    mkdirSync(`${base}/dst/z`, { recursive: true });
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
    const taskCtx = { signal: new AbortController().signal, attempt: 1, index: 0, releaseKey: () => {} };
    // Item A: a large file (copied on libuv's pool over many turns), then a small folder; while A waits, item B meets
    // the read-only disk. Should A's copy end first (a stalled machine), the case did not arise: tried again.
    let caught = false;
    for (let attempt = 0; attempt < 5 && !caught; attempt++) {
      const [x, y] = [`x${attempt}`, `y${attempt}`];
      for (const d of [x, y]) {
        mkdirSync(`${base}/src/${d}`, { recursive: true });
        mkdirSync(`${base}/dst/${d}`, { recursive: true });
      }
      writeFileSync(`${base}/src/${x}/big`, Buffer.alloc(32 << 20, 7));
      writeFileSync(`${base}/src/${y}/small`, 'y\n');
      const task = await createTask({ src: `${base}/src`, dst: `${base}/dst`, dryRun: false, checksum: false, force: false, verify: false });
      const a = task([folder(x, ['big']), folder(y, ['small'])] as CopyItem, taskCtx);
      expect(a).toBeInstanceOf(Promise);
      let aSettled = false;
      const aDone = Promise.resolve(a).then(
        (v) => ((aSettled = true), { ok: true as const, v }),
        (e: unknown) => ((aSettled = true), { ok: false as const, e }),
      );
      const b = await task([folder('z', ['small'])] as CopyItem, taskCtx);
      expect(b[0]!.extra?.[0]?.error?.code).toBe('READ_ONLY');
      const waited = !aSettled;
      const outcome = await aDone;
      if (!waited) continue;
      caught = true;
      // A's second folder was never started: A must not come back as if it were whole up to there and no further.
      expect(outcome.ok).toBe(false);
      expect(outcome.ok ? null : outcome.e).toMatchObject({ code: 'READ_ONLY' });
    }
    expect(caught, 'item B met the read-only disk while item A still waited for its large file').toBe(true);
  });
});
