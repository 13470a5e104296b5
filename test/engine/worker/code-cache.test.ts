import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEntry } from '../../../src/cli/script-cache.js';
import { runCli } from '../../helpers/cli.js';
import { startSiteServer } from '../../../fixtures/site-server.js';
import { needsBundle } from '../../helpers/bundle.js';

let home: string;
let cache: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'fanout worker cache '));
  cache = join(home, 'cache');
  mkdirSync(join(home, 'src'));
  writeFileSync(join(home, 'src', 'a.txt'), 'a\n');
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const dir = () => join(cache, 'fanout', 'script-cache');
/** The worker bundle's cache entry (there is exactly one). */
const workerEntry = () => {
  const found = readdirSync(dir()).filter((f) => /-worker-.*\.bin$/.test(f));
  expect(found).toHaveLength(1);
  return join(dir(), found[0]!);
};

let runs = 0;
/** A copy of the small tree to a fresh destination in `mode`; checks that it copied. */
async function copy(mode: '--threads' | '--procs'): Promise<void> {
  const dst = join(home, `dst ${runs++}`);
  const r = await runCli(['copy', '-q', mode, '1', join(home, 'src'), dst], { env: { XDG_CACHE_HOME: cache, NODE_DISABLE_COMPILE_CACHE: '' } });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(readFileSync(join(dst, 'a.txt'), 'utf8')).toBe('a\n');
}

describe("the workers' code cache", () => {
  for (const mode of ['--threads', '--procs'] as const) {
    it(`is written by a ${mode} worker's first run and read, not rewritten, by the next`, async (ctx) => {
    needsBundle(ctx);
      await copy(mode);
      const entry = workerEntry();
      expect(readEntry(entry)).toBeInstanceOf(Buffer);
      const before = statSync(entry);
      await copy(mode);
      const after = statSync(workerEntry()); // a run that could not use it writes a new file in its place
      expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    });
  }

  it('is ignored when corrupt: the workers run, and write a whole entry in its place', async (ctx) => {
    needsBundle(ctx);
    await copy('--threads');
    const entry = workerEntry();
    const data = readFileSync(entry);
    data[data.length - 100] ^= 0xff;
    writeFileSync(entry, data);
    expect(readEntry(entry)).toBeUndefined();
    await copy('--procs');
    expect(readEntry(workerEntry())).toBeInstanceOf(Buffer);
    writeFileSync(workerEntry(), 'garbage');
    await copy('--threads');
    expect(readEntry(workerEntry())).toBeInstanceOf(Buffer);
  });

  it("keeps one entry per job: a copy's workers never fill the entry a scrape's workers read", async (ctx) => {
    needsBundle(ctx);
    await copy('--threads');
    const site = await startSiteServer({ log: false });
    try {
      const list = join(home, 'one-url.txt');
      writeFileSync(list, `${site.urls[0]}/page/1\n`);
      const r = await runCli(['scrape', list, '-o', join(home, 'out.jsonl'), '-q', '--procs', '1'], { env: { XDG_CACHE_HOME: cache, NODE_DISABLE_COMPILE_CACHE: '' } });
      expect(r.code).toBe(0);
    } finally {
      await site.close();
    }
    const entries = readdirSync(dir()).filter((f) => /-worker-.*\.bin$/.test(f)).map((f) => f.replace(/^[0-9a-f]+-/, '').replace(/-v\d.*$/, ''));
    expect(entries.sort()).toEqual(['worker-copy-task', 'worker-scrape-task']);
  });
});
