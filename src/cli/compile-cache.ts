/**
 * V8's code cache for the CLI and its workers: the bytecode of every module compiled once is kept on disk, so
 * the next start skips parsing and compiling (~20 ms for the CLI; docs/benchmarks.md). Node keeps it
 * (module.enableCompileCache): it keys each entry by the module's content and the Node and V8 version, checks a
 * checksum before use and ignores an entry it cannot read or that does not match. From Node 22.10 on
 * (module.flushCompileCache is the sign) it writes an entry to a temporary file and renames it. Below that, or on
 * Node 20 (which has no such cache), nothing is cached.
 *
 * The folder is the user's own (util/user-cache.ts). A cache holds code that will run, so one that another user owns
 * or can write to is not used.
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off. Nothing here can fail a run: any error means no cache.
 */
import module from 'node:module';
import { cacheDir, ownFolder } from '../util/user-cache.js';

type CacheApi = {
  enableCompileCache?: (dir: string) => { status: number; directory?: string };
  flushCompileCache?: () => void;
};

/** Turns the cache on for this process and the workers it starts; returns its folder, or null when there is none. */
export function enableCompileCache(env: NodeJS.ProcessEnv = process.env): string | null {
  try {
    const api = module as unknown as CacheApi;
    if (typeof api.enableCompileCache !== 'function' || typeof api.flushCompileCache !== 'function') return null;
    if (env.NODE_DISABLE_COMPILE_CACHE) return null;
    const dir = cacheDir(env);
    if (!dir || !ownFolder(dir)) return null;
    const { status } = api.enableCompileCache(dir);
    const { ENABLED, ALREADY_ENABLED } = (module as unknown as { constants: { compileCacheStatus: Record<string, number> } }).constants.compileCacheStatus;
    if (status !== ENABLED && status !== ALREADY_ENABLED) return null;
    // Worker threads and child processes take the same folder from their environment (checked here once).
    env.NODE_COMPILE_CACHE = dir;
    return dir;
  } catch {
    return null;
  }
}
