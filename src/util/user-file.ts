/**
 * A file the user names on the command line to be read whole (scrape's --data-file, --cacert). A device is refused:
 * /dev/zero or /dev/urandom never end, and reading one whole fills memory instead of failing. A pipe is read to its
 * end (`--data-file <(…)`), a folder fails as readFileSync fails on it.
 */
import { readFileSync, statSync } from 'node:fs';

export function readUserFile(file: string): Buffer {
  const s = statSync(file);
  if (s.isCharacterDevice() || s.isBlockDevice()) throw Object.assign(new Error('a device, not a file or a pipe'), { code: 'EINVAL' });
  return readFileSync(file);
}
