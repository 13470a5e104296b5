/**
 * What differed between an entry of SRC and what stood at its place in DST: a record's `changes`, which
 * `fanout copy -i` prints as rsync's itemize letters (cli/itemize.ts). Bits while the copy decides; on a record,
 * one of a few shared frozen lists, so a record costs no allocation for it. A batch sends them across the thread
 * or process boundary only where they are not what the record's action implies (batch-result.ts).
 */
import type { Stats } from 'node:fs';
import { sameDstTime, type Identity } from './metadata.js';
import type { Action } from './record.js';

/**
 * `new`: nothing of the entry's type stood there (created, or replacing an entry of another type); otherwise what
 * differs: `content` (--checksum found other data, a symlink's text, a device's numbers), `size` (regular files),
 * `time` (mtime), `mode` (permission bits), `owner` and `group` (only those this process may set, as rsync -a).
 */
export type Change = 'new' | 'content' | 'size' | 'time' | 'mode' | 'owner' | 'group';

export const NEW = 1;
export const CONTENT = 2;
export const SIZE = 4;
export const TIME = 8;
export const MODE = 16;
export const OWNER = 32;
export const GROUP = 64;

const NAMES: readonly Change[] = ['new', 'content', 'size', 'time', 'mode', 'owner', 'group'];
const PERM = 0o7777;
const FMT = 0o170000;

/** The shared list for each combination of bits, made on first use. */
const lists: Array<readonly Change[] | undefined> = [];

export function changeList(bits: number): readonly Change[] {
  let list = lists[bits];
  if (!list) {
    list = Object.freeze(NAMES.filter((_, i) => (bits & (1 << i)) !== 0));
    lists[bits] = list;
  }
  return list;
}

export function changeBits(list: readonly Change[] | undefined): number {
  if (!list) return 0;
  if (list === lists[NEW]) return NEW;
  let bits = 0;
  for (const c of list) bits |= 1 << NAMES.indexOf(c);
  return bits;
}

/**
 * The changes a record of this action carries when nothing more is known: `new` for a created entry, nothing for
 * a metadata fix; undefined for the actions whose records carry none (skip, delete).
 */
export function impliedChanges(action: Action): number | undefined {
  return action === 'skip' || action === 'delete' ? undefined : action === 'meta' ? 0 : NEW;
}

/**
 * What a metadata fix changes (metadata.ts's metaDiffers, itemized): owner only as root, group as root or when
 * it is one of this process's groups, mode except on a symlink (Linux keeps none), mtime.
 */
export function metaChanges(s: Stats, d: Stats, id: Identity): number {
  let bits = 0;
  if (id.root && s.uid !== d.uid) bits |= OWNER;
  if (s.gid !== d.gid && (id.root || id.groups.has(s.gid))) bits |= GROUP;
  if ((s.mode & FMT) !== 0o120000 && (s.mode & PERM) !== (d.mode & PERM)) bits |= MODE;
  if (!sameDstTime(s.mtimeMs, d.mtimeMs)) bits |= TIME;
  return bits;
}

/**
 * What differs for an entry about to be written or fixed, from its source's lstat and its destination's (none:
 * nothing there). `contentDiffers`: --checksum or a symlink's text compared unequal.
 */
export function entryChanges(s: Stats, d: Stats | undefined, id: Identity, contentDiffers: boolean): number {
  if (!d || (s.mode & FMT) !== (d.mode & FMT)) return NEW;
  let bits = metaChanges(s, d, id);
  if (s.isFile() && s.size !== d.size) bits |= SIZE;
  if (contentDiffers || ((s.isBlockDevice() || s.isCharacterDevice()) && s.rdev !== d.rdev)) bits |= CONTENT;
  return bits;
}
