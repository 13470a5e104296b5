import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { cacheEntry, readEntry } from '../../src/cli/script-cache.js';
import { runCli } from '../helpers/cli.js';
import { needsRoot } from '../helpers/needs.js';
import { needsBundle } from '../helpers/bundle.js';

const run = promisify(execFile);
const LOADER = new URL('../../dist/src/cli/script-cache.js', import.meta.url).href;
const NOBODY = 65534;

let home: string;
let cache: string;
let dir: string;
let module: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'fanout script cache é-'));
  cache = join(home, 'cache');
  dir = join(cache, 'fanout', 'script-cache');
  module = join(home, 'mod.cjs');
  writeModule('one');
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

/** A CommonJS module with a few functions that run, so that the cache holds more than its top level. */
function writeModule(word: string): void {
  const fns = Array.from({ length: 20 }, (_, i) => `function f${i}(x) { return x.map((y) => y * ${i}).join('${word}'); }`);
  writeFileSync(module, `${fns.join('\n')}\nmodule.exports = [${fns.map((_, i) => `f${i}([1, 2])`).join(', ')}];\n`);
}

/** Runs the module through the cache in a fresh process; resolves with what the cache did. */
async function load(env: NodeJS.ProcessEnv = {}): Promise<string> {
  const code = `import(${JSON.stringify(LOADER)}).then((m) => console.log(m.runWithCodeCache(${JSON.stringify(module)}, 'test')))`;
  // A module that ends with a non-zero exit code still says what the cache did.
  const { stdout } = await run(process.execPath, ['-e', code], { env: { ...process.env, NODE_DISABLE_COMPILE_CACHE: '', XDG_CACHE_HOME: cache, ...env } }).catch((err: { stdout: string }) => err);
  return stdout.trim();
}

const files = () => readdirSync(dir).sort();
const entryFile = () => {
  const bins = files().filter((f) => f.endsWith('.bin'));
  expect(bins).toHaveLength(1);
  return join(dir, bins[0]!);
};

describe("the CLI's code cache", () => {
  it('is written by a first run, used by the next, and kept in a folder only its user can enter', async () => {
    expect(await load()).toBe('miss');
    expect(readdirSync(dir)).toHaveLength(1);
    expect(await load()).toBe('hit');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(entryFile()).mode & 0o777).toBe(0o600);
  });

  it('is ignored when its file is corrupt, and rewritten whole', async () => {
    await load();
    const file = entryFile();
    const data = readFileSync(file);
    data[data.length - 100] ^= 0xff; // one bit pattern flipped in V8's data: only the checksum can tell
    writeFileSync(file, data);
    expect(readEntry(file)).toBeUndefined();
    expect(await load()).toBe('miss');
    expect(readEntry(entryFile())).toBeInstanceOf(Buffer);
    expect(await load()).toBe('hit');
    writeFileSync(entryFile(), 'garbage');
    expect(await load()).toBe('miss');
    expect(await load()).toBe('hit');
  });

  it('is a new entry when the file changes, and V8 refusing an entry (another V8, other flags) rewrites it', async () => {
    await load();
    const first = entryFile();
    // (V8 itself checks only the source's length: an entry of a same-length file would run the old code.)
    writeModule('three');
    expect(await load()).toBe('miss');
    const second = files().find((f) => f.endsWith('.bin') && join(dir, f) !== first)!;
    // The entry made for the first file, under the second file's name: V8 sees it was made for another source.
    rmSync(join(dir, second));
    writeFileSync(join(dir, second), readFileSync(first));
    expect(await load()).toBe('rejected');
    expect(await load()).toBe('hit');
  });

  it("takes the build's recorded hash of the file only while the file keeps the size and CRC-32 recorded with it", async () => {
    const recorded = 'ab'.repeat(32);
    const bytes = readFileSync(module);
    writeFileSync(`${module}.sha256`, `${recorded} ${bytes.length} ${crc32(bytes)}\n`);
    expect(await load()).toBe('miss');
    expect(entryFile()).toContain(`${recorded.slice(0, 32)}-test-`); // named by the record: not hashed again
    expect(await load()).toBe('hit');
    // Written again, as an installer does: a new time, the same bytes; the record holds.
    writeFileSync(module, bytes);
    utimesSync(module, new Date(Date.now() + 5000), new Date(Date.now() + 5000));
    expect(await load()).toBe('hit');
    // Edited to the same length (V8 alone would take the old entry): the record no longer holds, the file is hashed.
    writeModule('two');
    expect(await load()).toBe('miss');
    expect(files().filter((f) => f.endsWith('.bin') && !f.startsWith(recorded.slice(0, 32)))).toHaveLength(1);
  });

  it('is written only by a run that ends 0 or 1: a usage error (2) leaves no entry for the next run to be held to', async () => {
    writeFileSync(module, `${readFileSync(module, 'utf8')}process.exitCode = Number(process.env.EXIT_WITH ?? 0);\n`);
    expect(await load({ EXIT_WITH: '2' })).toBe('miss');
    expect(existsSync(dir) ? files().filter((f) => f.endsWith('.bin')) : []).toEqual([]);
    expect(await load({ EXIT_WITH: '1' })).toBe('miss');
    expect(await load()).toBe('hit');
  });

  it("is keyed by the file's content, the command, Node's and V8's versions and the architecture", () => {
    const env = { XDG_CACHE_HOME: cache };
    const a = cacheEntry('source a', 'scrape', env)!;
    expect(a).toContain(process.version);
    expect(a).toContain(process.versions.v8);
    expect(a).toContain(process.arch);
    expect(a).toContain('-scrape-');
    expect(cacheEntry('source b', 'scrape', env)).not.toBe(a);
    expect(cacheEntry('source a', 'copy', env)).not.toBe(a);
    expect(cacheEntry('source a', '--help', env)).toContain('-help-');
    expect(cacheEntry('source a', '../../etc', env)).toContain('-other-');
  });

  it('lends the module an import() that works when its code comes from the cache (Node 20 loses its own there)', async () => {
    const esm = join(home, 'forty-two.mjs');
    writeFileSync(esm, 'export default 42;\n');
    writeFileSync(module, `FANOUT_IMPORT(${JSON.stringify(`file://${esm}`)}).then((m) => process.stdout.write(\`imported \${m.default} \`));\n`);
    const imported = async () => (await run(process.execPath, ['-e', `import(${JSON.stringify(LOADER)}).then((m) => m.runWithCodeCache(${JSON.stringify(module)}, 'test'))`], { env: { ...process.env, NODE_DISABLE_COMPILE_CACHE: '', XDG_CACHE_HOME: cache } })).stdout;
    expect(await imported()).toBe('imported 42 '); // compiled, and its cache written at exit
    expect(await load()).toBe('hit\nimported 42'); // the same module, from the cache
  });

  it('lets concurrent first runs all succeed and leaves one whole entry', async () => {
    const uses = await Promise.all(Array.from({ length: 6 }, () => load()));
    for (const u of uses) expect(['miss', 'hit']).toContain(u);
    expect(files().filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(readEntry(entryFile())).toBeInstanceOf(Buffer);
    expect(await load()).toBe('hit');
  });

  it('is not used, nor written, in a folder that others can write to', async () => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o777);
    expect(await load()).toBe('off');
    expect(files()).toEqual([]);
  });

  it('is off with NODE_DISABLE_COMPILE_CACHE, and when no folder can be made', async () => {
    expect(await load({ NODE_DISABLE_COMPILE_CACHE: '1' })).toBe('off');
    writeFileSync(join(home, 'not-a-folder'), '');
    expect(await load({ XDG_CACHE_HOME: join(home, 'not-a-folder') })).toBe('off');
  });

  it("does not use a folder or a file of another user's (needs root to make them)", async (ctx) => {
    needsRoot(ctx, "to make another user's files");
    await load();
    const file = entryFile();
    chownSync(file, NOBODY, NOBODY);
    expect(readEntry(file)).toBeUndefined();
    expect(await load()).toBe('miss'); // and replaced by one of ours
    expect(await load()).toBe('hit');
    chownSync(dir, NOBODY, NOBODY);
    expect(await load()).toBe('off');
  });

  it('never fails the CLI: a first run, a run over a corrupt cache and a warm run print the same help', async (ctx) => {
    needsBundle(ctx);
    const env = { XDG_CACHE_HOME: cache, NODE_DISABLE_COMPILE_CACHE: '' };
    const cold = await runCli(['scrape', '--help'], { env });
    expect(cold.code).toBe(0);
    for (const f of files()) writeFileSync(join(dir, f), Buffer.alloc(4096, 0x5a));
    const corrupt = await runCli(['scrape', '--help'], { env });
    const warm = await runCli(['scrape', '--help'], { env });
    expect([corrupt.code, warm.code]).toEqual([0, 0]);
    expect(corrupt.stdout).toBe(cold.stdout);
    expect(warm.stdout).toBe(cold.stdout);
    expect(readEntry(entryFile())).toBeInstanceOf(Buffer);
  });
});
