/**
 * The installed CLI runs from wherever the package sits: a folder whose path has a space (and so percent signs in
 * its file: URL) included, for the bundled CLI and the workers it starts.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let base: string;
let bin: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'fanout install path '));
  const pkg = join(base, 'my tools', 'fanout');
  mkdirSync(pkg, { recursive: true });
  for (const part of ['bin', 'dist', 'package.json']) cpSync(join(ROOT, part), join(pkg, part), { recursive: true, preserveTimestamps: true });
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
  bin = join(pkg, 'bin', 'fanout.js');
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function fanout(args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, XDG_CACHE_HOME: join(base, 'cache dir') } }); // a safety net: a hang fails
}

describe('the CLI installed in a folder whose path has spaces', () => {
  it('prints its help', () => {
    const r = fanout(['--help']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('fanout <command>');
  });

  it.each([['async'], ['--threads', '2'], ['--procs', '2']])('copies a tree (%s), its workers started from there too', (...mode) => {
    const src = join(base, `src ${mode.join('')}`);
    const dst = join(base, `dst ${mode.join('')}`);
    mkdirSync(join(src, 'sub'), { recursive: true });
    for (let i = 0; i < 5; i++) writeFileSync(join(src, 'sub', `f${i}`), `file ${i}`);
    const r = fanout(['copy', src, dst, '-q', ...(mode[0] === 'async' ? [] : mode)]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(join(dst, 'sub', 'f4'), 'utf8')).toBe('file 4');
  });
});
