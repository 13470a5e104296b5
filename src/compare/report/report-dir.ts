/**
 * The report directory, made and checked before compare runs anything: a path that cannot take the reports
 * should fail in a second, not after minutes of measured runs.
 */
import { mkdirSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface ReportDir {
  /** Removes the directories prepare made, if they are still empty: a compare that wrote no report leaves none. */
  abandon(): void;
}

/** Makes `dir` and its missing parents and checks it is a writable directory; throws with the reason. */
export function prepareReportDir(dir: string): ReportDir {
  const made: string[] = [];
  const abandon = () => {
    for (const d of made.reverse()) {
      try {
        rmdirSync(d); // only ever an empty directory
      } catch {
        break; // something was put in it meanwhile: it stays, and so do its parents
      }
    }
    made.length = 0;
  };
  try {
    makeDirs(dir, made);
    if (!statSync(dir).isDirectory()) throw new Error('it is not a directory');
    const probe = join(dir, `.fanout-probe-${process.pid}.tmp`);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (err) {
    abandon();
    throw err;
  }
  return { abandon };
}

/**
 * mkdir -p, one level at a time, noting in `made` each directory it created. Not `mkdirSync(dir, { recursive: true })`:
 * Node's recursive mkdir spins forever on a path under /proc (mkdir answers ENOENT, the parent exists, it tries again).
 */
export function makeDirs(dir: string, made: string[] = []): void {
  try {
    mkdirSync(dir);
    made.push(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw err;
    makeDirs(parent, made);
    try {
      mkdirSync(dir); // ENOENT again now means the file system will not have it: it is thrown
      made.push(dir);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw again;
    }
  }
}
