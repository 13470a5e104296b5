/**
 * Runs the CLI's CommonJS bundle (dist/bundle/cli.cjs) with V8's code cache, on every Node version: the bytecode
 * of every function a run compiled is kept on disk, and the next run of the same command deserializes it instead
 * of parsing and compiling (~40 ms on Node 20; docs/benchmarks.md). Node 20 has no code cache of its own, and
 * Node 22's caches only whole modules as first compiled; this is v8-compile-cache's way (vm.Script cachedData).
 *
 * One file per bundle content, command word, Node version, V8 version and architecture, in the user's own 0700
 * folder (compile-cache.ts's checks: owned by us, writable by nobody else, no symbolic link), named by the bundle's
 * SHA-256 (recorded by the build, else computed). A file is used only when it is ours, a regular file, and its
 * CRC-32 matches; V8 rejects one made with other flags. A run without a usable file writes one at exit when it
 * ends 0 or 1 (or, for a worker, which may be terminated without an exit event, when its code says it is warm:
 * `saveWhen: 'asked'`), to a temporary file renamed into place, so concurrent first runs each write a whole file
 * and the last rename wins. Nothing here can fail a run: any error means no cache.
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { crc32 } from 'node:zlib';
import { cacheDir, ownFolder } from '../util/user-cache.js';

const MAGIC = Buffer.from('fanoutC2');
/** The magic, then the payload's CRC-32 (big-endian). */
const HEADER = MAGIC.length + 4;
/** Entries of other builds older than this are removed when an entry is written. */
const STALE_MS = 24 * 3600_000;

/**
 * What the cache did for a run: its entry was used (`hit`), missing or unusable (`miss`), refused by V8 (made by
 * another V8 or with other flags: `rejected`; both rewrite it at exit), or there is no safe folder (`off`).
 */
export type CacheUse = 'hit' | 'miss' | 'rejected' | 'off';

/**
 * Runs `file` (a CommonJS module) as require() would, through the code cache entry for `slot` (the command
 * word: each command keeps the functions it compiled).
 */
export function runWithCodeCache(
  file: string,
  slot: string,
  env: NodeJS.ProcessEnv = process.env,
  saveWhen: 'exit' | 'asked' = 'exit',
): CacheUse {
  // undici parses HTTP with llhttp's WebAssembly. V8 11 (Node 20) compiles all of it with TurboFan too, on a
  // background thread that Node joins at exit: ~90 ms of CPU and 100-150 ms of wall after a one-URL scrape's
  // last record (docs/benchmarks.md); Liftoff alone costs nothing measurable on 3,000 URLs. V8 13 (Node 24)
  // tiers up only hot functions, and the flag costs it ~20 ms (Node's built-ins' embedded code cache is keyed
  // by the flags too). Set before the cache is read: V8 keys cached data by the flags.
  if (Number(process.versions.v8.split('.')[0]) < 12) v8.setFlagsFromString('--liftoff-only');
  const bytes = readFileSync(file);
  const entry = env.NODE_DISABLE_COMPILE_CACHE ? null : cacheEntry(bytes, slot, env, builtKey(file, bytes));
  const source = bytes.toString('utf8');
  const cachedData = entry ? readEntry(entry) : undefined;
  // No import() in the bundle: on Node 20 code from the cache loses it (importModuleDynamically is not kept with
  // the cached data), so the bundle imports a task module by URL through FANOUT_IMPORT (held-modules.ts).
  // FANOUT_SAVE_CODE_CACHE: with saveWhen 'asked', what the bundle calls once it has run what it usually runs.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, FANOUT_IMPORT, FANOUT_SAVE_CODE_CACHE) {${source}\n})`, {
    filename: file,
    cachedData,
  });
  const use: CacheUse = !entry ? 'off' : cachedData === undefined ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit';
  // Written at exit, so that it holds every function this run compiled, not only the top level.
  let save = () => {};
  if (entry && use !== 'hit') {
    // Only a run that did its work (exit 0 or 1): an entry is never rewritten once usable, and one written by a
    // usage error would hold little more than the parser for every later run of the command.
    if (saveWhen === 'exit') process.once('exit', (code) => (code === 0 || code === 1) && writeEntry(entry, script));
    else save = () => {
      save = () => {};
      writeEntry(entry, script);
    };
  }
  const module = { exports: {} as unknown, filename: file, id: file };
  const importUrl = (url: string) => import(url);
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(file), module, file, dirname(file), importUrl, () => save());
  return use;
}

/**
 * The SHA-256 the build recorded for `file` (scripts/bundle.mjs writes `FILE.sha256`: the hash, the size and the
 * CRC-32 of what it hashed), when `bytes` (the file as read) still have that size and CRC-32; else undefined, and the
 * caller hashes them itself. A CRC-32 of ~2 MB takes well under a millisecond, where loading node:crypto and hashing
 * take several, at every start of the CLI and of each worker; file times would not do: an installer rewrites them.
 */
function builtKey(file: string, bytes: Buffer): string | undefined {
  try {
    const [hash, size, crc] = readFileSync(`${file}.sha256`, 'latin1').trim().split(' ');
    return /^[0-9a-f]{64}$/.test(hash ?? '') && Number(size) === bytes.length && Number(crc) === crc32(bytes) ? hash : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The cache file for this source, command and runtime, or null when there is no safe folder. `key` is the
 * source's SHA-256 when already known.
 */
export function cacheEntry(source: string | Uint8Array, slot: string, env: NodeJS.ProcessEnv = process.env, key?: string): string | null {
  try {
    const dir = cacheDir(env, 'script-cache');
    if (!dir || !ownFolder(dir)) return null;
    // node:crypto on first use (~5 ms to load in a fresh thread): a bundle the build recorded needs none.
    const hash = (key ?? process.getBuiltinModule('node:crypto').createHash('sha256').update(source).digest('hex')).slice(0, 32);
    const word = /^[a-z][a-z-]{0,23}$/.test(slot.replace(/^--?/, '')) ? slot.replace(/^--?/, '') : 'other';
    return join(dir, `${hash}-${word}-${process.version}-v8-${process.versions.v8}-${process.arch}.bin`);
  } catch {
    return null;
  }
}

/** The cached data in `path` when it is ours, whole and intact; else undefined. */
export function readEntry(path: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== process.getuid!() || (st.mode & 0o022) !== 0 || st.size <= HEADER) return undefined;
    const data = readFileSync(fd);
    if (!data.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    const payload = data.subarray(HEADER);
    // A checksum against a damaged file, not an attacker: the folder is the user's own (ownFolder).
    return crc32(payload) === data.readUInt32BE(MAGIC.length) ? payload : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes `script`'s code cache to `path` atomically; never throws. */
function writeEntry(path: string, script: vm.Script): void {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    const payload = script.createCachedData();
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc32(payload));
    writeFileSync(tmp, Buffer.concat([MAGIC, sum, payload]), { mode: 0o600, flag: 'wx' });
    renameSync(tmp, path);
    removeStale(dirname(path), basename(path).slice(0, 32));
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // left for removeStale
    }
  }
}

/** Removes other builds' entries and orphaned temporary files once they are a day old. */
function removeStale(dir: string, current: string): void {
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    if (name.startsWith(current) && !name.endsWith('.tmp')) continue;
    try {
      if (now - statSync(join(dir, name)).mtimeMs > STALE_MS) rmSync(join(dir, name), { force: true });
    } catch {
      // gone already, or not ours to remove
    }
  }
}
