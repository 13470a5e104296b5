/** Temp names: `.fanout-tmp-<random>-<name>` in the destination's own directory, so the final rename is atomic. */
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';

export const TEMP_PREFIX = '.fanout-tmp-';

// One random prefix per thread or process plus a counter: unique without a syscall per file.
const tag = randomBytes(4).toString('hex');
let counter = 0;

export function tempPath(dstDir: string, name: string): string {
  const stem = `${TEMP_PREFIX}${tag}${(counter++).toString(36)}-`;
  // Keep within NAME_MAX (255 bytes): a long name is left out of its temp name.
  const full = Buffer.byteLength(stem) + Buffer.byteLength(name) <= 255 ? stem + name : stem.slice(0, -1);
  return `${dstDir}/${full}`;
}

export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX);
}

/** Removes temps left in one directory (by a killed run, or in-flight when a fatal error stopped this one). */
export function sweepTemps(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const n of names) {
    if (!isTempName(n)) continue;
    try {
      rmSync(`${dir}/${n}`, { force: true, recursive: true });
      removed++;
    } catch {
      // best effort: a temp that cannot be removed is harmless to the copy and reported by nobody
    }
  }
  return removed;
}
