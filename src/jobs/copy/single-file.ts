/**
 * A single file as SRC, as cp and rsync take one: `copy a.iso /backup/` puts it into that folder (DST an existing
 * folder, or any DST ending in '/', made with its parents when missing), `copy a.iso /backup/b.iso` under that
 * name (its folder made when missing). The file goes through the same entry code as a tree's (entry.ts): the same
 * quick check, metadata, temp and rename, one record. It runs on the calling thread: one file gains nothing from
 * a pool. DST's folder itself is never changed (no mode or times set on it), unlike a tree's root, but a temp a
 * killed copy of the same file left there is removed first (file-temps.ts).
 */
import { statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { BatchDirs, DirCache } from './dir-ref.js';
import { makeDirs } from '../../util/make-dirs.js';
import { readOnlyToUs } from './dst-dir.js';
import { processEntry } from './entry.js';
import { sweepFileTemps } from './file-temps.js';
import { copyError, copyFailure, fatalOf, stoppedBy } from './errors.js';
import { entryFilter } from './glob.js';
import { processIdentity } from './metadata.js';
import type { CopyOptions } from './options.js';
import { readAllPatterns } from './pattern-file.js';
import { RecordSink } from './record-sink.js';
import { same } from './safety.js';
import type { CopySummary } from './summary.js';

/** Whether SRC names a file (a symlink the user typed is followed, as for a folder): then copyFile() applies. */
export function isFileSrc(src: string): boolean {
  if (src === '') return false;
  try {
    return statSync(src).isFile();
  } catch {
    return false;
  }
}

export async function copyFile(options: CopyOptions): Promise<CopySummary> {
  const started = performance.now();
  const src = resolve(options.src);
  const { dir, name } = target(options.src, options.dst);
  if (options.delete || options.filesFrom !== undefined) {
    throw copyFailure('SRC_NOT_A_DIRECTORY', `${options.delete ? '--delete' : '--files-from'} needs SRC to be a folder: ${options.src} is a file`);
  }
  const into = statOrNull(dir);
  if (into && !into.isDirectory()) throw copyFailure('DST_NOT_A_DIRECTORY', `${dir} exists and is not a directory`);
  const dstFile = statOrNull(`${dir}/${name}`);
  const srcStat = statSync(src, { bigint: true });
  if (dstFile && same(srcStat, dstFile)) throw copyFailure('REFUSED_SAME', `${options.src} and ${dir}/${name} are the same file`);
  if (options.log) refuseLogAt(options.log, [src, `${dir}/${name}`]);
  const dryRun = options.dryRun ?? false;
  const include = [...(options.include ?? []), ...(await readAllPatterns(options.includeFrom, options.signal))];
  const exclude = [...(options.exclude ?? []), ...(await readAllPatterns(options.excludeFrom, options.signal))];
  const srcName = basename(src);
  const sink = await RecordSink.open(options);
  const id = processIdentity();
  const srcDirs = new DirCache(dirname(src));
  const dstDirs = new DirCache(dir);
  try {
    const filter = entryFilter(include, exclude);
    if (!filter || filter(srcName, false)) {
      if (!into && !dryRun) makeFolder(dir);
      const mode = into ? Number(statSync(dir).mode) : 0;
      const entryDir = { dir: '', fresh: !into, sgid: (mode & 0o2000) !== 0, locked: into ? readOnlyToUs(mode, id, dryRun) : false };
      const o = { src: dirname(src), dst: dir, dryRun, checksum: !!options.checksum, force: !!options.force, verify: !!options.verify, umask: process.umask() };
      const dirs = new BatchDirs(srcDirs, dstDirs, '', entryDir.locked);
      try {
        if (into && !dryRun) sweepFileTemps(dirs.dst(), name); // left by a killed copy of this file
        const r = await processEntry({ o, id }, entryDir, dirs, srcName, 'file', 'copy', options.signal, name);
        const fatal = fatalOf(r.error);
        if (fatal) throw stoppedBy(fatal, 1);
        sink.emit(r);
        sink.flush();
        await sink.drained();
      } finally {
        dirs.release();
      }
    }
  } finally {
    srcDirs.close();
    dstDirs.close();
    sink.close();
  }
  const digest = sink.digest();
  return {
    ...sink.progress,
    elapsedMs: performance.now() - started,
    src,
    dst: `${dir}/${name}`,
    mode: 'async',
    workers: 0,
    dryRun,
    cancelled: false,
    firstFailures: sink.firstFailures,
    ...(digest !== undefined ? { recordHash: digest } : {}),
  };
}

/** The folder the file goes into and its name there. */
function target(srcArg: string, dstArg: string): { dir: string; name: string } {
  if (dstArg === '') throw copyFailure('DST_NOT_A_DIRECTORY', 'DST is an empty path');
  const dst = resolve(dstArg);
  if (dstArg.endsWith('/') || statOrNull(dst)?.isDirectory()) return { dir: dst, name: basename(resolve(srcArg)) };
  return { dir: dirname(dst), name: basename(dst) };
}

/** The file's new folder, made as `mkdir -p` makes it (the umask's mode): it is not a copy of anything. */
function makeFolder(dir: string): void {
  try {
    makeDirs(dir);
  } catch (err) {
    const e = copyError(err, dir);
    throw copyFailure(e.code === 'VANISHED' ? 'IO_ERROR' : e.code, `cannot create the destination: ${e.message}`, { cause: err });
  }
}

/** The log must not be the file copied, nor the copy: it would be read or replaced while it is written. */
function refuseLogAt(log: string, files: string[]): void {
  const at = statOrNull(log);
  if (!at) return;
  for (const f of files) {
    const s = statOrNull(f);
    if (s && same(at, s)) throw copyFailure(f === files[0] ? 'REFUSED_LOG_INSIDE_SRC' : 'REFUSED_LOG_INSIDE_DST', `--log ${log} is the file ${f}`);
  }
}

function statOrNull(p: string) {
  try {
    return statSync(p, { bigint: true });
  } catch {
    return null;
  }
}
