import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, ownFolder } from '../../src/util/user-cache.js';
import { runCli } from '../helpers/cli.js';
import { needsRoot } from '../helpers/needs.js';

/** Node keeps a code cache for us only where it writes its entries atomically (22.10 and later). */
const nodeCaches = typeof (module as { flushCompileCache?: unknown }).flushCompileCache === 'function';
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'fanout cache é-'));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

/** Every file under `dir`, however deep. */
function entries(dir: string): string[] {
  let out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    out = e.isDirectory() ? [...out, ...entries(path)] : [...out, path];
  }
  return out;
}

/** A copy with one worker thread: the CLI, the copy job and a worker all load through the cache. */
async function copyRun(env: NodeJS.ProcessEnv) {
  const src = join(home, 'src');
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'a.txt'), 'a\n');
  const dst = join(home, `dst-${Math.random().toString(36).slice(2)}`);
  const r = await runCli(['copy', src, dst, '--threads', '1', '-q'], { env });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(statSync(join(dst, 'a.txt')).size).toBe(2);
}

describe('the code cache', () => {
  it("lives in the user's cache folder, else their home's .cache, else a folder of their own in the temp folder", () => {
    expect(cacheDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' })).toBe('/x/cache/fanout/compile-cache');
    expect(cacheDir({ HOME: '/home/u' })).toBe('/home/u/.cache/fanout/compile-cache');
    expect(cacheDir({ XDG_CACHE_HOME: 'relative', HOME: '' })).toBe(join(tmpdir(), `fanout-${process.getuid!()}`, 'compile-cache'));
  });

  it.runIf(nodeCaches)('is written on a first run and the next run works from it', async () => {
    const env = { XDG_CACHE_HOME: join(home, 'cache') };
    await copyRun(env);
    const dir = join(home, 'cache', 'fanout', 'compile-cache');
    expect(entries(dir).length).toBeGreaterThan(0);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    await copyRun(env);
  });

  it.runIf(nodeCaches)('is ignored when its entries are corrupt: the run goes on as without one', async () => {
    const env = { XDG_CACHE_HOME: join(home, 'cache') };
    await copyRun(env);
    const files = entries(join(home, 'cache'));
    for (const f of files) writeFileSync(f, Buffer.alloc(statSync(f).size || 64, 0x5a));
    await copyRun(env);
  });

  it.runIf(nodeCaches)('is ignored when its entries cannot be read', async () => {
    const env = { XDG_CACHE_HOME: join(home, 'cache') };
    await copyRun(env);
    for (const f of entries(join(home, 'cache'))) {
      // root reads any file whatever its mode: a directory in the entry's place cannot be read as one
      if (isRoot) {
        rmSync(f);
        mkdirSync(f);
      } else chmodSync(f, 0);
    }
    await copyRun(env);
  });

  it('is not used, nor written, in a folder that others can write to', async () => {
    const dir = join(home, 'cache', 'fanout', 'compile-cache');
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777);
    expect(ownFolder(dir)).toBe(false);
    await copyRun({ XDG_CACHE_HOME: join(home, 'cache') });
    expect(entries(dir)).toEqual([]);
  });

  it('is not used through a symbolic link', () => {
    const real = join(home, 'real');
    mkdirSync(real, { mode: 0o700 });
    mkdirSync(join(home, 'cache', 'fanout'), { recursive: true, mode: 0o700 });
    symlinkSync(real, join(home, 'cache', 'fanout', 'compile-cache'));
    expect(ownFolder(join(home, 'cache', 'fanout', 'compile-cache'))).toBe(false);
  });

  it('is not used when another user wrote it (needs root to make a folder of theirs)', async (ctx) => {
    needsRoot(ctx, 'to make a folder of another user');
    const dir = join(home, 'cache', 'fanout', 'compile-cache');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // What another user's cache would hold: entries of theirs, in a folder of theirs.
    writeFileSync(join(dir, 'planted'), 'not ours');
    chownSync(join(dir, 'planted'), NOBODY, NOBODY);
    chownSync(dir, NOBODY, NOBODY);
    expect(ownFolder(dir)).toBe(false);
    await copyRun({ XDG_CACHE_HOME: join(home, 'cache') });
    expect(entries(dir)).toEqual([join(dir, 'planted')]);
  });
});
