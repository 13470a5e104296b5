/**
 * The lines of `fanout copy -i` and `-v`, as rsync prints them (`rsync -i`: `--out-format='%i %n%L'`; `rsync -v`:
 * `%n%L`), from a copy record and its `changes` (jobs/copy/changes.ts). A path is relative to SRC, a folder's ends
 * in `/` (SRC itself is `./`); a control character (a tab excepted) or a byte that is not UTF-8 is written as rsync
 * escapes it, `\#ooo` in octal, so a name never breaks a line. Failed records have no line: the summary and the
 * log name them.
 */
import type { CopyRecord } from '../jobs/copy/copy.js';

type Action = CopyRecord['action'];

/** The update type: `>` data written, `c` created locally, `h` a hard link, `.` attributes only (or nothing). */
const UPDATE: Record<Action, string> = { copy: '>', mkdir: 'c', symlink: 'c', mkfifo: 'c', mknod: 'c', link: 'h', meta: '.', skip: '.', delete: '*' };
const FILE_TYPE: Record<CopyRecord['type'], string> = { file: 'f', dir: 'd', symlink: 'L', block: 'D', char: 'D', fifo: 'S', socket: 'S' };
/** rsync's attribute slots c s t p o g u a x; fanout compares neither atime (u) nor ACLs (a) nor xattrs (x). */
const SLOTS = [['content', 'c'], ['size', 's'], ['time', 't'], ['mode', 'p'], ['owner', 'o'], ['group', 'g']] as const;

/** `-i` (`all`: `-ii`, unchanged entries too): `YXcstpoguax path`, or null when the entry has no line. */
export function itemizeLine(r: CopyRecord, all: boolean): string | null {
  if (!r.ok) return null;
  if (r.action === 'delete') return `*deleting   ${shown(r)}`;
  if (r.action === 'skip') return all ? `.${FILE_TYPE[r.type]}${' '.repeat(9)} ${shown(r)}` : null;
  return `${UPDATE[r.action]}${FILE_TYPE[r.type]}${attributes(r.changes ?? [])} ${shown(r)}`;
}

/**
 * `-v`: the path of each entry whose data was written or that was created, of each folder whose attributes were
 * fixed, `deleting path` for each deletion; a non-folder whose attributes alone were fixed has none (as in rsync).
 */
export function verboseLine(r: CopyRecord): string | null {
  if (!r.ok || r.action === 'skip' || (r.action === 'meta' && r.type !== 'dir')) return null;
  return r.action === 'delete' ? `deleting ${shown(r)}` : shown(r);
}

function attributes(changes: readonly string[]): string {
  if (changes.includes('new')) return '+++++++++';
  let out = '';
  for (const [change, letter] of SLOTS) out += changes.includes(change) ? letter : '.';
  return `${out}...`;
}

// Control characters but tab, and the lone surrogates that stand for bytes that are not UTF-8 (jobs/copy/fs-path.ts).
const UNPRINTABLE = /[\x00-\x08\x0a-\x1f\x7f]|(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/;
const EACH_UNPRINTABLE = new RegExp(UNPRINTABLE.source, 'g');

function shown(r: CopyRecord): string {
  if (r.path === '.') return './';
  const path = UNPRINTABLE.test(r.path) ? r.path.replace(EACH_UNPRINTABLE, escapeChar) : r.path;
  return r.type === 'dir' ? `${path}/` : path;
}

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return `\\#${(code >= 0xdc80 ? code - 0xdc00 : code).toString(8).padStart(3, '0')}`;
}
