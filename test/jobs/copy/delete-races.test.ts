/**
 * copy --delete under pressure: a directory swapped for a symlink between the pass's listing and its unlinks, a
 * Ctrl-C mid-pass, a mount point or a FIFO inside DST. The swaps happen at a known point, through the pass's test
 * seam (delete-pace.ts), not by luck.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { copy } from '../../../src/jobs/copy/copy.js';
import { DELETE_SEAM, type DeleteSeamEvent } from '../../../src/jobs/copy/delete-pace.js';
import type { CopyRecord } from '../../../src/jobs/copy/record.js';
import { parseJsonl, preloading, startCli } from '../../helpers/cli.js';
import { canMountTmpfs, scratch, type Scratch } from './scratch.js';
import { expectSameTree } from './snapshot.js';

let area: Scratch;
let n = 0;
const global = globalThis as { [DELETE_SEAM]?: (event: DeleteSeamEvent, rel: string) => void };

beforeAll(() => {
  area = scratch('fanout delete races ', '256m');
});
afterAll(() => area.remove());
afterEach(() => {
  delete global[DELETE_SEAM];
});

/** SRC with `a/kept`, DST its copy plus `gone/sub/x` (SRC lacks `gone`), and a folder outside both. */
async function mirror(): Promise<{ base: string; src: string; dst: string; outside: string }> {
  const base = `${area.dir}/case ${++n}`;
  const src = `${base}/src`;
  const dst = `${base}/dst`;
  const outside = `${base}/outside`;
  mkdirSync(`${src}/a`, { recursive: true });
  writeFileSync(`${src}/a/kept`, 'kept');
  mkdirSync(outside);
  writeFileSync(`${outside}/precious`, 'not yours');
  await copy({ src, dst });
  mkdirSync(`${dst}/gone/sub`, { recursive: true });
  writeFileSync(`${dst}/gone/sub/x`, 'x');
  writeFileSync(`${dst}/a/extra`, 'extra');
  return { base, src, dst, outside };
}

/** Calls `swap` once, when the pass has just listed the DST directory `rel`. */
function swapAfterListing(rel: string, swap: () => void): void {
  let done = false;
  global[DELETE_SEAM] = (event, at) => {
    if (done || event !== 'listed' || at !== rel) return;
    done = true;
    swap();
  };
}

async function deleting(src: string, dst: string): Promise<CopyRecord[]> {
  const records: CopyRecord[] = [];
  await copy({ src, dst, delete: true, onRecord: (r) => records.push(r) });
  return records.filter((r) => r.action === 'delete');
}

describe('copy --delete while DST changes under it', () => {
  it('never follows a folder swapped for a symlink after its parent was listed', async () => {
    const { base, src, dst, outside } = await mirror();
    swapAfterListing('gone', () => {
      renameSync(`${dst}/gone/sub`, `${base}/sub-moved`);
      symlinkSync(outside, `${dst}/gone/sub`);
    });
    const records = await deleting(src, dst);
    expect(readFileSync(`${outside}/precious`, 'utf8')).toBe('not yours');
    expect(records.find((r) => r.path === 'gone/sub')?.error?.code).toBe('CHANGED_DURING_COPY');
    expect(existsSync(`${dst}/gone`)).toBe(true); // not emptied: it stays, with the link in it
  });

  it('keeps deleting inside the folder it opened when that folder is moved away and a symlink put in its place', async () => {
    const { base, src, dst, outside } = await mirror();
    swapAfterListing('gone', () => {
      renameSync(`${dst}/gone`, `${base}/gone-moved`);
      symlinkSync(outside, `${dst}/gone`);
    });
    const records = await deleting(src, dst);
    expect(readdirSync(outside)).toEqual(['precious']);
    expect(readFileSync(`${outside}/precious`, 'utf8')).toBe('not yours');
    expect(readdirSync(`${base}/gone-moved`)).toEqual([]); // its own entries went, where they were
    expect(records.find((r) => r.path === 'gone')?.error?.code).toBe('CHANGED_DURING_COPY'); // rmdir met the link
    expect(lstatSync(`${dst}/gone`).isSymbolicLink()).toBe(true);
  });

  it('never prunes through a folder SRC also has, swapped for a symlink after DST was listed', async () => {
    const { base, src, dst, outside } = await mirror();
    swapAfterListing('', () => {
      renameSync(`${dst}/a`, `${base}/a-moved`);
      symlinkSync(outside, `${dst}/a`);
    });
    const records = await deleting(src, dst);
    expect(readFileSync(`${outside}/precious`, 'utf8')).toBe('not yours');
    expect(records.find((r) => r.path === 'a')?.error?.code).toBe('CHANGED_DURING_COPY');
  });

  it('gives the event loop a turn during a long pass, so progress is reported before it ends', async () => {
    const { src, dst } = await mirror();
    for (let i = 0; i < 50; i++) writeFileSync(`${dst}/gone/f${i}`, '');
    // A directory that takes longer than a slice to get through (here, the seam's busy wait): the pass pauses.
    global[DELETE_SEAM] = (event, rel) => {
      if (event !== 'listed' || rel !== 'gone') return;
      for (const until = performance.now() + 40; performance.now() < until; );
    };
    const seen: number[] = [];
    const summary = await copy({ src, dst, delete: true, onProgress: (p) => seen.push(p.deleted) });
    expect(summary.deleted).toBe(54);
    expect(seen.some((d) => d > 0 && d < 54), `progress during the pass: ${seen.join(',')}`).toBe(true);
  });

  it('unlinks a FIFO in DST without opening it', async () => {
    const { src, dst } = await mirror();
    execFileSync('mkfifo', [`${dst}/gone/pipe`]);
    const records = await deleting(src, dst);
    expect(records.map((r) => r.path)).toContain('gone/pipe');
    expect(existsSync(`${dst}/gone`)).toBe(false);
  });

  it.skipIf(!canMountTmpfs())('never enters a file system mounted inside DST, nor a bind mount (root)', async () => {
    const { src, dst, outside } = await mirror();
    mkdirSync(`${dst}/disk`);
    mkdirSync(`${dst}/bound`);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', `${dst}/disk`]);
    execFileSync('mount', ['--bind', outside, `${dst}/bound`]);
    try {
      writeFileSync(`${dst}/disk/on-another-fs`, 'keep');
      const records = await deleting(src, dst);
      expect(readFileSync(`${dst}/disk/on-another-fs`, 'utf8')).toBe('keep');
      expect(readFileSync(`${outside}/precious`, 'utf8')).toBe('not yours');
      expect(records.find((r) => r.path === 'disk')?.error?.code).toBe('MOUNT_POINT');
      expect(records.find((r) => r.path === 'bound')?.error?.code).toBe('MOUNT_POINT');
      expect(existsSync(`${dst}/gone`)).toBe(false); // the rest of the pass went on
    } finally {
      spawnSync('umount', ['-l', `${dst}/disk`]);
      spawnSync('umount', ['-l', `${dst}/bound`]);
    }
  });
});

describe('fanout copy --delete stopped by a signal', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('stops the pass at once on %s, exits %i with whole records of what it deleted, and a re-run finishes', async (signal, code) => {
    const { base, src, dst } = await mirror();
    for (let d = 0; d < 20; d++) {
      mkdirSync(`${dst}/extra ${d}`);
      for (let f = 0; f < 1000; f++) writeFileSync(`${dst}/extra ${d}/${f}`, '');
    }
    const log = `${base}/log.jsonl`;
    const hold = `${base}/hold`;
    const env = preloading('delete-hold', { DELETE_HOLD_FILE: hold, DELETE_HOLD_LOG: log });
    const { child, done } = startCli(['copy', src, dst, '--delete', '--log', log, '-q'], { env });
    let exited = false;
    void done.then(() => (exited = true));
    for (const deadline = Date.now() + 60_000; !existsSync(`${hold}.held`) && !exited && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
    const before = parseJsonl<CopyRecord>(readFileSync(log, 'utf8')).filter((r) => r.action === 'delete').length;
    expect(before).toBeGreaterThan(0);
    child.kill(signal);
    writeFileSync(hold, '');
    const r = await done;
    expect(r.code, r.stderr).toBe(code);
    const text = readFileSync(log, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const deleted = parseJsonl<CopyRecord>(text).filter((x) => x.action === 'delete');
    expect(deleted.length).toBe(before); // nothing more once the signal was taken
    expect(deleted.every((x) => x.ok && !existsSync(`${dst}/${x.path}`))).toBe(true);
    const again = startCli(['copy', src, dst, '--delete', '-q']);
    expect((await again.done).code).toBe(0);
    expectSameTree(src, dst, { atime: false });
  }, 120_000);
});
