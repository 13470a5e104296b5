/**
 * Which build bin/fanout.js runs: the bundle (dist/bundle, through the code cache) or the compiled tree (dist/src).
 * An installer writes every file anew, at the time it writes it and in its own order (npm writes dist/bundle before
 * dist/src), and packs no tsconfig.json; a checkout recompiles dist/src with a bare `tsc`.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preloading } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'fanout installed package '));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

/**
 * A copy of the built package in a fresh folder, every file written now (no times kept). `bundle`: written a
 * second before dist/src (as npm does), or left out (a build without esbuild). `checkout`: with tsconfig.json.
 */
function packageCopy(name: string, o: { bundle: 'older' | 'none'; checkout?: boolean }): string {
  const pkg = join(base, name, 'fanout');
  mkdirSync(pkg, { recursive: true });
  for (const part of ['bin', 'dist', 'package.json', ...(o.checkout ? ['tsconfig.json'] : [])]) cpSync(join(ROOT, part), join(pkg, part), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
  const bundle = join(pkg, 'dist', 'bundle');
  if (o.bundle === 'none') rmSync(bundle, { recursive: true });
  else {
    const before = statSync(join(pkg, 'dist', 'src', 'cli', 'bin.js')).mtimeMs / 1000 - 1;
    for (const file of readdirSync(bundle)) utimesSync(join(bundle, file), before, before);
  }
  return pkg;
}

/** Runs the copy's CLI with a cache folder of its own; `cache` says which code caches it wrote. */
function fanout(pkg: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const home = join(pkg, '..', 'cache');
  const r = spawnSync(process.execPath, [join(pkg, 'bin', 'fanout.js'), ...args], {
    encoding: 'utf8',
    timeout: 60_000, // a safety net: a hang fails
    env: { ...process.env, NODE_DISABLE_COMPILE_CACHE: '', XDG_CACHE_HOME: home, ...env },
  });
  const scriptCache = join(home, 'fanout', 'script-cache');
  return { ...r, cache: existsSync(scriptCache) ? readdirSync(scriptCache) : [] };
}

describe('bin/fanout.js', () => {
  it('answers --version before anything is built, and says what to do for the rest', () => {
    const pkg = join(base, 'unbuilt', 'fanout');
    mkdirSync(pkg, { recursive: true });
    for (const part of ['bin', 'package.json', 'tsconfig.json']) cpSync(join(ROOT, part), join(pkg, part), { recursive: true });
    expect(fanout(pkg, ['--version']).stdout).toBe(`${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`);
    const r = fanout(pkg, ['--help']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^fanout: not built yet; run `npm install`/);
  });

  it('runs the bundle of an installed package, though the installer wrote it before dist/src', () => {
    const pkg = packageCopy('installed', { bundle: 'older' });
    const r = fanout(pkg, ['--help']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('fanout <command>');
    expect(r.cache.filter((f) => f.includes('-help-'))).toHaveLength(1); // only the bundle runs through this cache
  });

  it("starts an installed package's bundle without node:crypto: the build's record of its hash still holds", () => {
    const pkg = packageCopy('installed, builtins', { bundle: 'older' });
    const list = join(pkg, '..', 'builtins.txt');
    const r = fanout(pkg, ['--help'], preloading('builtins-loaded', { BUILTINS_LOADED_FILE: list }));
    expect(r.status).toBe(0);
    const loaded = readFileSync(list, 'utf8').split('\n');
    expect(loaded).toContain('vm'); // the fixture saw the code cache at work
    expect(loaded).not.toContain('crypto');
  });

  it('runs the compiled tree of a checkout whose bundle is older (a bare `tsc` after the build is never hidden)', () => {
    const pkg = packageCopy('checkout', { bundle: 'older', checkout: true });
    const r = fanout(pkg, ['--help']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('fanout <command>');
    expect(r.cache).toEqual([]);
  });

  it.each([['--threads', '2'], ['--procs', '2']])('runs the compiled tree of a package built without esbuild: a copy with %s', (...mode) => {
    const pkg = packageCopy(`no bundle ${mode.join('')}`, { bundle: 'none' });
    const src = join(pkg, '..', 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    for (let i = 0; i < 5; i++) writeFileSync(join(src, 'sub', `f${i}`), `file ${i}`);
    const r = fanout(pkg, ['copy', src, join(pkg, '..', 'dst'), '-q', ...mode]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(join(pkg, '..', 'dst', 'sub', 'f4'), 'utf8')).toBe('file 4');
    expect(r.cache).toEqual([]);
    expect(fanout(pkg, ['--version']).stdout).toBe(`${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`);
  });
});
