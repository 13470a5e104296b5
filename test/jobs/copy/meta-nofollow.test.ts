/**
 * Metadata is set on descriptors or with calls that do not follow symlinks: an entry swapped for a symlink between
 * its check and the metadata call can never lead a chmod or a utimes to a file outside DST.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { copySeams, SMALL, writeFileSync as writeAtomically } from '../../../src/jobs/copy/copy-file.js';
import { fixMeta, processIdentity } from '../../../src/jobs/copy/metadata.js';
import { timesOf } from '../../../src/jobs/copy/times.js';
import { binFor } from '../../helpers/user-bin.js';
import { needsRoot } from '../../helpers/needs.js';

const dir = mkdtempSync(`${tmpdir()}/fanout meta nofollow `);
chmodSync(dir, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  delete copySeams.afterOpen;
});
const id = processIdentity();
const OLD = new Date('2001-02-03T04:05:06Z');

/** A file outside the copy that a symlink will point to, and how it looks before. */
function victim(name: string) {
  const path = `${dir}/${name}`;
  writeFileSync(path, 'not yours\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  const before = lstatSync(path);
  return { path, unchanged: () => expect([lstatSync(path).mode, lstatSync(path).mtimeMs]).toEqual([before.mode, before.mtimeMs]) };
}

describe('metadata never follows a symlink swapped in at a name', () => {
  it("a fresh file's mode and times go to its temp, not to a file a symlink swapped in at the temp's name points to", () => {
    const v = victim('victim-fresh');
    const src = `${dir}/fresh-src`;
    writeFileSync(src, Buffer.alloc(SMALL * 4, 0x61), { mode: 0o755 });
    chmodSync(src, 0o755);
    utimesSync(src, OLD, OLD);
    const tmp = `${dir}/.fanout-tmp-t-fresh`;
    // Once the temp exists (the seam runs after it is created, before the data), its name becomes a symlink.
    copySeams.afterOpen = () => {
      renameSync(tmp, `${dir}/moved-away`);
      symlinkSync(v.path, tmp);
    };
    try {
      writeAtomically(src, `${dir}/fresh-dst`, tmp, lstatSync(src), { id, dirSetgid: false, verify: false });
    } catch {
      // failing is fine; touching the victim is not
    }
    v.unchanged();
    expect(lstatSync(`${dir}/moved-away`).mode & 0o7777).toBe(0o755); // the metadata went to our temp
  });

  it("the meta action does not change a file that a symlink swapped in at the destination's name points to", () => {
    const v = victim('victim-meta');
    const src = `${dir}/meta-src`;
    const dst = `${dir}/meta-dst`;
    writeFileSync(src, 'same\n', { mode: 0o640 });
    writeFileSync(dst, 'same\n', { mode: 0o600 });
    chmodSync(src, 0o640);
    utimesSync(src, OLD, OLD);
    const d = lstatSync(dst); // the check that decided on `meta`
    unlinkSync(dst);
    symlinkSync(v.path, dst);
    expect(() => fixMeta(dst, lstatSync(src), d, id, timesOf(lstatSync(src)))).toThrow();
    v.unchanged();
  });
});

describe('metadata of an entry that cannot be opened', () => {
  it('a destination file its owner cannot read or write gets its mode fixed all the same (not root)', (ctx) => {
    needsRoot(ctx, 'to give a destination to another user and copy as that user');
    const src = `${dir}/locked-src`;
    const dst = `${dir}/locked-dst`;
    mkdirSync(src);
    writeFileSync(`${src}/f`, 'data\n', { mode: 0o644 });
    chmodSync(src, 0o755);
    chmodSync(`${src}/f`, 0o644);
    const asUser = (args: string[]) => spawnSync(process.execPath, [binFor(65534, 65534), ...args], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 60_000 });
    mkdirSync(dst);
    mkdirSync(`${dir}/logs`);
    spawnSync('chown', ['65534:65534', dst, `${dir}/logs`]);
    let r = asUser(['copy', src, dst]);
    expect(r.status, r.stderr).toBe(0);
    chmodSync(`${dst}/f`, 0o000); // what the source's mode once was, say
    spawnSync('chown', ['-h', '65534:65534', `${dst}/f`]);
    r = asUser(['copy', src, dst, '--log', `${dir}/logs/locked.jsonl`]);
    expect(r.status, r.stderr).toBe(0);
    expect(lstatSync(`${dst}/f`).mode & 0o7777).toBe(0o644);
    expect(readFileSync(`${dst}/f`, 'utf8')).toBe('data\n');
    const rec = readFileSync(`${dir}/logs/locked.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).find((x) => x.path === 'f');
    expect([rec.ok, rec.action]).toEqual([true, 'meta']); // in place, through an O_PATH descriptor
    expect(readdirSync(dst).filter((n) => n.startsWith('.fanout-tmp-'))).toEqual([]);
  });

  it('an existing destination directory its owner cannot read is opened up, filled and given its mode (not root)', (ctx) => {
    needsRoot(ctx, 'to give a destination to another user and copy as that user');
    const src = `${dir}/shut-src`;
    const dst = `${dir}/shut-dst`;
    mkdirSync(`${src}/sub`, { recursive: true });
    writeFileSync(`${src}/sub/f`, 'data\n');
    spawnSync('chmod', ['-R', 'a+rX', src]);
    mkdirSync(`${dst}/sub`, { recursive: true });
    spawnSync('chown', ['-R', '65534:65534', dst]);
    chmodSync(`${dst}/sub`, 0o000);
    const r = spawnSync(process.execPath, [binFor(65534, 65534), 'copy', src, dst], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(lstatSync(`${dst}/sub`).mode & 0o7777).toBe(lstatSync(`${src}/sub`).mode & 0o7777);
    expect(readFileSync(`${dst}/sub/f`, 'utf8')).toBe('data\n');
  });
});
