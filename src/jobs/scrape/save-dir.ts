/** --save DIR on the coordinator: made and checked once before the run, and the one line a fatal save stops with. */
import { closeSync } from 'node:fs';
import { FanoutError } from '../../engine/errors.js';
import { diskStopCode, type DiskStopCode } from '../../util/disk-stop.js';
import { anchorsAvailable, openRoot } from '../../util/dir-anchor.js';
import { errorReason } from '../../util/error-reason.js';
import { makeDirs } from '../../util/make-dirs.js';
import { beginSaveRun, endSaveRun, sweepTemps, TEMP_DIR } from './save-temp.js';

/**
 * Makes DIR (and its parents) and its temp folder, removes temps that killed runs left there, and registers the
 * run; returns the run's token. Refuses (exit 2, before any request) a DIR that cannot be made, and a system
 * without /proc/self/fd, where writes could not be kept from following a symlink out of DIR.
 */
export function prepareSaveDir(dir: string): string {
  if (!anchorsAvailable()) {
    throw new FanoutError('SAVE_FAILED', `--save needs /proc/self/fd (Linux) to keep every write inside ${dir}`);
  }
  const run = beginSaveRun();
  try {
    makeDirs(dir);
    const root = openRoot(dir);
    try {
      sweepTemps(root);
    } finally {
      closeSync(root);
    }
    return run;
  } catch (err) {
    endSaveRun(run);
    const code = diskStopCode(err);
    if (code) throw saveStopped({ code, message: `cannot make ${TEMP_DIR} in it: ${errorReason(err)}` }, dir, 0);
    throw new FanoutError('SAVE_FAILED', `cannot create the --save folder ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

/** The error a run stops with after a full (NO_SPACE) or read-only (READ_ONLY) --save disk: one line. */
export function saveStopped(error: { code: DiskStopCode; message: string }, dir: string, written: number): FanoutError {
  const what = error.code === 'NO_SPACE' ? 'no space left' : 'read-only file system';
  return new FanoutError(
    error.code,
    `${what} in the --save folder ${dir} (${error.message}); stopped after ${written} records`,
  );
}
