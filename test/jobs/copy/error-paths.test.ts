/**
 * Copy errors name the paths the user gave. fanout reaches entries through directory descriptors
 * (`/proc/<pid>/fd/N/name`, util/dir-anchor.ts); a message or stderr line naming such a path tells the user nothing.
 * Folders a normal user cannot open (mode 000) fail the same way in SRC (read) and DST (--delete); as root the CLI
 * runs as uid 65534 in a folder that user owns, so the test meets the same errors as root and as a normal user.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, parseJsonl } from '../../helpers/cli.js';
import { needsRoot } from '../../helpers/needs.js';
import { binFor } from '../../helpers/user-bin.js';
import { scratch, type Scratch } from './scratch.js';

const isRoot = process.geteuid?.() === 0;
const NOBODY = 65534;
let area: Scratch;
let out: string;

/** `fanout copy ...args` as a normal user: this one, or uid 65534 when the test runs as root. */
function copyAsUser(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const bin = isRoot ? binFor(NOBODY, NOBODY, BIN) : BIN;
  const child = spawn(process.execPath, [bin, 'copy', ...args], { stdio: ['ignore', 'ignore', 'pipe'], ...(isRoot ? { uid: NOBODY, gid: NOBODY } : {}) });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

/** A folder the copying user owns, with `tree` made in it first. */
function owned(name: string, tree: (dir: string) => void): string {
  const dir = `${out}/${name}`;
  mkdirSync(dir, { recursive: true });
  tree(dir);
  if (isRoot) spawnSync('chown', ['-R', `${NOBODY}:${NOBODY}`, dir]);
  return dir;
}

beforeAll(() => {
  area = scratch('fanout-error-paths-', '16m');
  out = `${area.dir}/out`;
  mkdirSync(out, { mode: 0o755 });
  if (isRoot) spawnSync('chown', [`${NOBODY}:${NOBODY}`, out]);
});

afterAll(() => {
  spawnSync('chmod', ['-R', 'u+rwX', area.dir]);
  area.remove();
});

describe('copy error messages name the user\'s paths, never /proc/<pid>/fd/N', () => {
  for (const mode of [[], ['--threads', '2'], ['--procs', '2']]) {
    const label = mode[0] ?? 'async';
    it(`names an unreadable SRC folder by its path in records and on stderr (${label})`, async () => {
      const src = owned(`src-${label}`, (dir) => {
        mkdirSync(`${dir}/top/locked`, { recursive: true });
        mkdirSync(`${dir}/top/deep/locked`, { recursive: true });
        writeFileSync(`${dir}/top/file.txt`, 'x\n');
      });
      chmodSync(`${src}/top/locked`, 0o000);
      chmodSync(`${src}/top/deep/locked`, 0o000);
      const log = `${out}/src-${label}.jsonl`;
      const r = await copyAsUser([src, `${out}/dst-${label}`, '--log', log, ...mode]);
      expect(r.code, r.stderr).toBe(1);
      const failed = parseJsonl<{ path: string; error: { code: string; message: string } | null }>(readFileSync(log, 'utf8')).filter((x) => x.error);
      expect(failed.map((x) => [x.path, x.error!.code]).sort()).toEqual([['top/deep/locked', 'PERMISSION'], ['top/locked', 'PERMISSION']]);
      for (const x of failed) {
        expect(x.error!.message).not.toContain('/proc/');
        expect(x.error!.message).toContain(`${src}/${x.path}`);
      }
      expect(r.stderr).not.toContain('/proc/');
      expect(r.stderr).toContain(`${src}/top/deep/locked`);
    });
  }

  for (const mode of [[], ['--threads', '2'], ['--procs', '2']]) {
    const label = mode[0] ?? 'async';
    it(`names a FIFO's and a socket's DST path when they cannot be made in their folder (${label})`, async (ctx) => {
      needsRoot(ctx, 'a DST folder another user owns, which the copying user cannot write in');
      const src = owned(`special-src-${label}`, (dir) => mkdirSync(`${dir}/sub`));
      spawnSync('mkfifo', [`${src}/sub/pipe`]);
      await socketFile(`${src}/sub/sock`);
      const dst = owned(`special-dst-${label}`, () => {});
      mkdirSync(`${dst}/sub`, { mode: 0o755 }); // root's: mkfifo and the socket's bind fail there
      const log = `${out}/special-${label}.jsonl`;
      const r = await copyAsUser([src, dst, '--log', log, ...mode]);
      expect(r.code, r.stderr).toBe(1);
      const records = parseJsonl<{ path: string; error: { code: string; message: string } | null }>(readFileSync(log, 'utf8'));
      const special = records.filter((x) => x.path === 'sub/pipe' || x.path === 'sub/sock');
      expect(special.map((x) => [x.path, x.error?.code]).sort()).toEqual([['sub/pipe', 'PERMISSION'], ['sub/sock', 'PERMISSION']]);
      for (const x of special) {
        expect(x.error!.message).toContain(`${dst}/${x.path}: `);
        expect(x.error!.message).not.toMatch(/\/proc\/|<directory>/);
      }
    });
  }

  it('names an unreadable DST folder by its path when --delete cannot enter it', async () => {
    const src = owned('del-src', (dir) => mkdirSync(`${dir}/keep/inner`, { recursive: true }));
    const dst = owned('del-dst', (dir) => {
      mkdirSync(`${dir}/keep/inner/locked`, { recursive: true });
      writeFileSync(`${dir}/keep/inner/locked/extra.txt`, 'x\n');
    });
    chmodSync(`${dst}/keep/inner/locked`, 0o000);
    const log = `${out}/del.jsonl`;
    const r = await copyAsUser([src, dst, '--delete', '--log', log]);
    expect(r.code, r.stderr).toBe(1);
    const failed = parseJsonl<{ path: string; error: { message: string } | null }>(readFileSync(log, 'utf8')).filter((x) => x.error);
    expect(failed.length, r.stderr).toBeGreaterThan(0);
    for (const x of failed) expect(x.error!.message).not.toContain('/proc/');
    expect(r.stderr).not.toContain('/proc/');
    expect(r.stderr).toContain(`${dst}/keep/inner/locked`);
  });
});

/** A socket file at `path` that nothing listens on (bound under another name, which closing removes). */
async function socketFile(path: string): Promise<void> {
  const bound = `${path}.bound`;
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(bound, resolve));
  linkSync(bound, path);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  try {
    unlinkSync(bound);
  } catch {
    // closing removed it
  }
  if (isRoot) spawnSync('chown', [`${NOBODY}:${NOBODY}`, path]);
}
