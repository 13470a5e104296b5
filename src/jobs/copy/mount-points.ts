/**
 * Mount points below DST, which --delete never enters (delete.ts): emptying a file system mounted inside DST (a
 * disk, a bind mount of another folder) is not what mirroring SRC means. A mount of another file system shows as
 * a different st_dev on the directory's own descriptor; a bind mount of the same file system does not, so the
 * mount table is read too (/proc/self/mountinfo, once per pass).
 */
import { readFileSync, realpathSync } from 'node:fs';

/** The real paths of the mount points strictly below `dst` (none where the mount table cannot be read). */
export function mountPointsBelow(dst: string): Set<string> {
  const out = new Set<string>();
  let root: string;
  let table: string;
  try {
    root = realpathSync(dst);
    table = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return out;
  }
  const prefix = root === '/' ? '/' : `${root}/`;
  for (const line of table.split('\n')) {
    const field = line.split(' ')[4]; // the mount point, with space, tab, newline and backslash as octal escapes
    if (!field) continue;
    const point = field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (point.startsWith(prefix) && point !== root) out.add(point.slice(prefix.length));
  }
  return out;
}
