/**
 * Paths a worker must see exactly as the coordinator does (copy through the cluster needs SRC and DST on a shared
 * file system). Checked by a worker before it takes a run's first job: a worker on another disk is refused with
 * one line instead of failing every file.
 */
import { readFileSync, statSync } from 'node:fs';
import type { SharedPaths } from './wire.js';

/** Why this machine does not share the paths, or null when it does. */
export function checkShared(shared: SharedPaths): string | null {
  for (const d of shared.dirs ?? []) {
    let ino: number;
    try {
      ino = statSync(d.path).ino;
    } catch (err) {
      return `it cannot see ${d.path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): the run needs it on a file system shared with the coordinator`;
    }
    if (ino !== d.ino) return `${d.path} here is not the coordinator's (another inode): the run needs it on a file system shared with the coordinator`;
  }
  for (const f of shared.files ?? []) {
    let content: string;
    try {
      content = readFileSync(f.path, 'utf8');
    } catch (err) {
      return `it cannot see ${f.path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}), which the coordinator wrote: the run needs a file system shared with it`;
    }
    if (content !== f.content) return `${f.path} here is not the file the coordinator wrote: the run needs a file system shared with it`;
  }
  return null;
}
