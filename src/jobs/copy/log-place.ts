/**
 * Refuses a --log inside SRC or DST (through any path or link), checked before the log is opened: opened for
 * writing it could truncate a file of SRC, the walk would copy it while it is being written, and inside DST the
 * copy could replace it with SRC's file of the same name (the records then go to a deleted file).
 */
import { realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { copyFailure } from './errors.js';
import { ancestors, same, type CheckedRoots } from './safety.js';

export function checkLogPlace(log: string, roots: CheckedRoots): void {
  const abs = resolve(log);
  const folders = ancestors(dirname(abs));
  const real = realpathOrNull(abs); // an existing log may be a symlink into SRC or DST
  if (real) folders.push(...ancestors(dirname(real)));
  for (const f of folders) {
    if (same(f, roots.srcStat)) throw copyFailure('REFUSED_LOG_INSIDE_SRC', `--log ${log} is inside SRC: writing it would change the tree being copied`);
    if (roots.dstStat && same(f, roots.dstStat)) throw copyFailure('REFUSED_LOG_INSIDE_DST', `--log ${log} is inside DST: the copy could replace it, records and all`);
  }
}

function realpathOrNull(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}
