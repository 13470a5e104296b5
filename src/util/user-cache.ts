/**
 * The user's own cache folder for fanout: $XDG_CACHE_HOME/fanout, else ~/.cache/fanout, else a fanout-<uid> folder in
 * the temp folder; one leaf per use (V8's code cache, the script cache, copy's record of clean folders). What is kept
 * there is used only from a folder this user alone owns and can write to.
 */
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Where this user's cache of kind `leaf` goes. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env, leaf = 'compile-cache'): string | null {
  const uid = process.getuid?.();
  if (uid === undefined) return null; // no owner to check (Windows)
  const base = env.XDG_CACHE_HOME?.startsWith('/') ? env.XDG_CACHE_HOME : env.HOME?.startsWith('/') ? join(env.HOME, '.cache') : null;
  return base ? join(base, 'fanout', leaf) : join(tmpdir(), `fanout-${uid}`, leaf);
}

/**
 * Makes `dir` (0700) when missing, and says whether it and its parent are this user's alone: owned by us, not a
 * symbolic link, writable by nobody else.
 */
export function ownFolder(dir: string): boolean {
  const uid = process.getuid!();
  // Nothing is made inside another user's folder (root run with that user's HOME, as `sudo -E` keeps it): the
  // caches there would be root's, and no more the user's own.
  const owner = nearestOwner(dir);
  if (owner === undefined || (owner !== uid && owner !== 0)) return false;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    return false;
  }
  for (const d of [join(dir, '..'), dir]) {
    const st = lstatSync(d, { throwIfNoEntry: false });
    if (!st || !st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0) return false;
  }
  return true;
}

/** The owner of `dir` or of its nearest existing ancestor; undefined when none can be read. */
function nearestOwner(dir: string): number | undefined {
  for (let d = dir; ; d = dirname(d)) {
    try {
      const st = lstatSync(d, { throwIfNoEntry: false });
      if (st) return st.uid;
    } catch {
      return undefined;
    }
    if (dirname(d) === d) return undefined;
  }
}
