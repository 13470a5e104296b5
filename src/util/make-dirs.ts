/**
 * mkdir -p, one level at a time. Not `mkdir(dir, { recursive: true })`: Node's recursive mkdir (sync and async,
 * Node 20 to 24) spins at 100 % CPU forever on a path under /proc, where mkdir answers ENOENT although the parent
 * exists, so it makes the parent (EEXIST) and tries again.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Makes `dir` and its missing parents with `mode`; pushes each directory it created onto `made`, outermost first.
 * A non-directory in the way is ENOTDIR.
 */
export function makeDirs(dir: string, mode = 0o777, made: string[] = []): void {
  try {
    mkdirSync(dir, mode);
    made.push(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if (statSync(dir).isDirectory()) return;
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), { code: 'ENOTDIR', syscall: 'mkdir', path: dir });
    }
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw err;
    makeDirs(parent, mode, made);
    try {
      mkdirSync(dir, mode); // ENOENT again, with the parent there, means the file system will not have it
      made.push(dir);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw again;
    }
  }
}
