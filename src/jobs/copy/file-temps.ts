/**
 * A single-file copy's own leftovers: a copy of `name` killed mid-write leaves `.fanout-tmp-<pid>.…-<name>` beside
 * where the file goes, and no tree copy may ever run on that folder. The next single-file copy to the same name
 * removes it first: only entries of the exact temp shape and type the tree copy's sweep recognises (temp.ts), only
 * those made for this name (or, for a name too long or not UTF-8 to be kept in a temp name, those without one),
 * only in that folder, and only those whose process is gone (a live pid may be another copy writing it now).
 */
import { readdirSync, unlinkSync, type Dirent } from 'node:fs';
import { self } from '../../util/dir-anchor.js';
import type { DirRef } from './dir-ref.js';
import { fsPath, hasEscapes } from './fs-path.js';
import { alive, isTempName, TEMP_PREFIX, writerPid } from './temp.js';

/** Removes the temps a killed copy of `name` left in `dir`; returns how many. */
export function sweepFileTemps(dir: DirRef, name: string): number {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir.fd >= 0 ? self(dir.fd) : fsPath(dir.path), { withFileTypes: true });
  } catch {
    return 0;
  }
  // tempPath leaves a name out beyond 255 bytes with its ~30-byte stem, or with escaped bytes: then only such temps.
  const nameless = Buffer.byteLength(name) > 200 || hasEscapes(name);
  let removed = 0;
  for (const e of entries) {
    const rest = e.name.slice(TEMP_PREFIX.length);
    if (e.isDirectory() || !isTempName(e.name) || rest.startsWith('sock-')) continue; // a socket's is swept by a tree copy
    const dash = rest.indexOf('-');
    const forName = dash < 0 ? nameless : rest.slice(dash + 1) === name;
    if (!forName || alive(writerPid(e.name))) continue;
    try {
      unlinkSync(dir.child(e.name));
      removed++;
    } catch {
      // best effort: a temp that cannot be removed harms nothing
    }
  }
  return removed;
}
