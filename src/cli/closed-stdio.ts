/**
 * A stdin or stdout the parent closed (`fanout scrape list >&-`). Node's start-up reopens a closed descriptor 0-2
 * on /dev/null (src/node.cc, PlatformInit), so the records would vanish and exit 0 would say all went well, where
 * `cat >&-` fails with EBADF. Node opens it read-write; a shell's `>/dev/null` is write-only and `</dev/null`
 * read-only: Linux shows the access mode in /proc/self/fdinfo. Limits: a parent that hands over /dev/null opened
 * read-write itself (`1<>/dev/null`, Node's spawn() with 'ignore' for stdout, systemd's StandardOutput=null)
 * looks the same and is refused too (`-o /dev/null` says the same thing plainly); without /proc nothing is refused.
 */
import { fstatSync, readFileSync, statSync } from 'node:fs';
import { FanoutError } from '../engine/errors.js';

const O_ACCMODE = 0o3;
const O_RDWR = 0o2;

function reopenedOnDevNull(fd: 0 | 1): boolean {
  try {
    const s = fstatSync(fd);
    if (!s.isCharacterDevice() || s.rdev !== statSync('/dev/null').rdev) return false;
    const flags = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
    return flags !== null && (parseInt(flags[1]!, 8) & O_ACCMODE) === O_RDWR;
  } catch {
    return false;
  }
}

/** Throws EBADF (exit 2, one line) when the output fanout is about to write to stdout has no stdout to go to. */
export function refuseClosedStdout(what: string, instead: string): void {
  if (reopenedOnDevNull(1)) throw new FanoutError('EBADF', `stdout is closed: ${what} would be lost (${instead}, or >/dev/null to discard it)`);
}

/** Throws EBADF when the input is `-` and the parent closed stdin: an empty list would look like a finished run. */
export function refuseClosedStdin(): void {
  if (reopenedOnDevNull(0)) throw new FanoutError('EBADF', 'stdin is closed: the input - has no URL list to read (give the list as a file, or </dev/null for an empty one)');
}
