/**
 * A temporary directory that is removed when disposed, and also if the process exits first (a second Ctrl-C
 * exits at once, skipping every `finally`): the demo leaves nothing behind in the temp folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  path: string;
  dispose(): void;
}

export function makeTempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  const remove = () => rmSync(path, { recursive: true, force: true });
  process.once('exit', remove);
  return {
    path,
    dispose() {
      process.off('exit', remove);
      remove();
    },
  };
}
