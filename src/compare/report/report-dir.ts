/**
 * The report directory, made and checked before compare runs anything: a path that cannot take the reports
 * should fail in a second, not after minutes of measured runs.
 */
import { rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirs } from '../../util/make-dirs.js';

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
    makeDirs(dir, 0o777, made);
    const probe = join(dir, `.fanout-probe-${process.pid}.tmp`);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (err) {
    abandon();
    throw err;
  }
  return { abandon };
}
