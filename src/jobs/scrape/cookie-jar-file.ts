/**
 * Writing --cookie-jar FILE at the end of a run, and checking before it that it can be. A regular file (or a name
 * not there yet) is replaced whole or not at all: a temp beside it, then a rename; a symlink to one is followed, as
 * -o follows it, so the link stays a link. A special file that is there (`/dev/null`, curl's way to keep cookies
 * without saving them; `/dev/stdout`; a pipe from `>(…)`) is written into, never replaced: a rename would put a
 * regular file in place of the device, for every program on the machine when run as root.
 */
import { accessSync, constants, openSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { Socket } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import type { SerializedCookie } from 'tough-cookie';
import { FanoutError } from '../../engine/errors.js';
import { errorReason } from '../../util/error-reason.js';
import { alive } from '../copy/temp.js';
import { formatCookieFile } from './cookie-file.js';

/** Where the jar goes: `replace` a regular file (or make it), or write `into` a special file that is there. */
type JarTarget = { replace: string } | { into: string; stats: Stats };

function jarTarget(file: string): JarTarget {
  const stats = statSync(file, { throwIfNoEntry: false });
  if (stats && !stats.isFile()) return { into: file, stats };
  try {
    return { replace: realpathSync(file) };
  } catch {
    return { replace: file }; // not there yet (or a dangling link, replaced)
  }
}

/**
 * Refuses, before the run, a --cookie-jar that could not be written at its end (a folder, or a folder that is not
 * there or not writable) or that would replace a file the run keeps (`kept`, by what it is: the URL list, -o).
 */
export function checkCookieFileWritable(file: string, kept: Readonly<Record<string, string | null>> = {}): void {
  let why: string | null = null;
  try {
    const stats = statSync(file, { throwIfNoEntry: false });
    why = Object.keys(kept).find((what) => isSameFile(file, stats, kept[what])) ?? null;
    if (why) why = `it is ${why}`;
    else if (stats?.isDirectory()) why = 'it is a directory';
    else {
      const target = jarTarget(file);
      if ('into' in target) accessSync(target.into, constants.W_OK);
      else accessSync(dirname(target.replace), constants.W_OK);
    }
  } catch (err) {
    why = `cannot write in its folder: ${errorReason(err)}`;
  }
  if (why) throw new FanoutError('USAGE', `--cookie-jar ${file}: ${why}`);
}

/** Whether `other` names the file `file` names (`stats`, when it is there): the same path, or the same inode. */
function isSameFile(file: string, stats: Stats | undefined, other: string | null | undefined): boolean {
  if (!other || other === '-') return false;
  if (resolve(file) === resolve(other)) return true;
  const to = stats && statSync(other, { throwIfNoEntry: false });
  return !!to && to.dev === stats.dev && to.ino === stats.ino;
}

/** Writes the jar: whole or not at all for a file, as one stream for a device or a pipe. */
export async function writeCookieFile(file: string, cookies: readonly SerializedCookie[]): Promise<void> {
  const text = formatCookieFile(cookies);
  try {
    const target = jarTarget(file);
    if ('into' in target) await writeInto(target.into, target.stats, text);
    else replaceWhole(target.replace, text);
  } catch (err) {
    throw new FanoutError('COOKIE_JAR_FAILED', `--cookie-jar ${file}: cannot write it: ${errorReason(err)}`, { cause: err });
  }
}

const tempOf = (file: string, pid: number) => join(dirname(file), `.${basename(file)}.fanout-${pid}.tmp`);

function replaceWhole(file: string, text: string): void {
  const temp = tempOf(file, process.pid);
  try {
    writeFileSync(temp, text, { mode: 0o600 });
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  sweepDeadTemps(file);
}

/** A run killed while writing its jar left a temp holding its cookies: removed once its writer is gone. */
function sweepDeadTemps(file: string): void {
  const stem = `.${basename(file)}.fanout-`;
  let names: string[];
  try {
    names = readdirSync(dirname(file));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^(\d+)\.tmp$/.exec(name.startsWith(stem) ? name.slice(stem.length) : '')?.[1];
    if (pid !== undefined && !alive(Number(pid))) rmSync(tempOf(file, Number(pid)), { force: true });
  }
}

async function writeInto(path: string, stats: Stats, text: string): Promise<void> {
  if (!stats.isFIFO()) return writeFileSync(path, text);
  // A pipe with no reader is refused (ENXIO) rather than waited on for ever.
  const pipe = new Socket({ fd: openSync(path, constants.O_WRONLY | constants.O_NONBLOCK), readable: false, writable: true });
  await new Promise<void>((resolve, reject) => {
    pipe.once('error', reject);
    pipe.end(text, () => resolve());
  });
}
