/**
 * Read-only folders of DST as a normal user sees them: such a user cannot write into a 0555 folder, even their own,
 * so a copy opens it up (u+rwx) only while something must be written into it. As root the CLI runs as uid 65534 in
 * a folder that user owns.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../../helpers/cli.js';
import { binFor } from '../../helpers/user-bin.js';
import { scratch, type Scratch } from './scratch.js';
import { snapshot } from './snapshot.js';

const isRoot = process.geteuid?.() === 0;
const NOBODY = 65534;
let area: Scratch;
let src: string;
let out: string;

/** `fanout copy` as a normal user: this one, or uid 65534 when the test runs as root. */
function copyAsUser(dst: string): Promise<{ code: number | null; stderr: string }> {
  const bin = isRoot ? binFor(NOBODY, NOBODY, BIN) : BIN;
  const child = spawn(process.execPath, [bin, 'copy', src, dst], { stdio: ['ignore', 'ignore', 'pipe'], ...(isRoot ? { uid: NOBODY, gid: NOBODY } : {}) });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

function ctimes(root: string): Record<string, bigint> {
  const times: Record<string, bigint> = {};
  for (const rel of snapshot(root).keys()) times[rel] = lstatSync(rel === '.' ? root : `${root}/${rel}`, { bigint: true }).ctimeNs;
  return times;
}

beforeAll(() => {
  area = scratch('fanout-dst-dir-', '16m');
  src = `${area.dir}/src`;
  out = `${area.dir}/out`;
  mkdirSync(`${src}/ro/sub`, { recursive: true });
  writeFileSync(`${src}/top.txt`, 'top\n');
  writeFileSync(`${src}/ro/kept.txt`, 'kept\n');
  writeFileSync(`${src}/ro/sub/deep.txt`, 'deep\n');
  chmodSync(`${src}/ro/sub`, 0o555);
  chmodSync(`${src}/ro`, 0o555);
  mkdirSync(out, { mode: 0o755 });
  if (isRoot) spawnSync('chown', [`${NOBODY}:${NOBODY}`, out]);
});

afterAll(() => area.remove());

describe('read-only destination folders, as a normal user', () => {
  it('re-runs over a finished copy without moving the ctime of anything, read-only folders included', async () => {
    const dst = `${out}/unchanged`;
    const first = await copyAsUser(dst);
    expect(first.code, first.stderr).toBe(0);
    expect(lstatSync(`${dst}/ro`).mode & 0o777).toBe(0o555);
    const before = ctimes(dst);
    const again = await copyAsUser(dst);
    expect(again.code, again.stderr).toBe(0);
    expect(ctimes(dst)).toEqual(before);
  });

  it('writes a changed file and a new folder into a read-only folder on a re-run and gives the folder back its mode and mtime', async () => {
    const dst = `${out}/changed`;
    const first = await copyAsUser(dst);
    expect(first.code, first.stderr).toBe(0);
    chmodSync(`${src}/ro`, 0o755);
    try {
      writeFileSync(`${src}/ro/kept.txt`, 'changed\n');
      utimesSync(`${src}/ro/kept.txt`, 1_700_000_000, 1_700_000_000);
      mkdirSync(`${src}/ro/new`);
      writeFileSync(`${src}/ro/new/file.txt`, 'new\n');
    } finally {
      chmodSync(`${src}/ro`, 0o555);
    }
    const again = await copyAsUser(dst);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(`${dst}/ro/kept.txt`, 'utf8')).toBe('changed\n');
    expect(readFileSync(`${dst}/ro/new/file.txt`, 'utf8')).toBe('new\n');
    const [s, d] = [lstatSync(`${src}/ro`, { bigint: true }), lstatSync(`${dst}/ro`, { bigint: true })];
    expect(Number(d.mode & 0o7777n)).toBe(0o555);
    expect(Math.abs(Number(s.mtimeNs - d.mtimeNs))).toBeLessThan(1000); // as times.ts keeps them: to the microsecond
  });
});
