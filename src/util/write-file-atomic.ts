/**
 * Writes a whole file under its final name or not at all: the data goes to a temp file beside it that is then
 * renamed over the name (one directory, so the rename is atomic), and a failed write leaves no temp file.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';

export function writeFileAtomic(file: string, data: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
