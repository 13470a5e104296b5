/** A scratch folder for copy tests: a tmpfs when root may mount one, else a plain temp folder. */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { removeTree } from '../../../fixtures/tree.js';

export interface Scratch {
  dir: string;
  remove(): void;
}

/**
 * tmpfs, because this disk's discard makes big deletes slow and because it is mounted relatime (listing a
 * directory with an old atime moves it). World-readable, so a test may run a copy as another user.
 */
export function scratch(prefix: string, size: string): Scratch {
  const dir = mkdtempSync(`${tmpdir()}/${prefix}`);
  chmodSync(dir, 0o755);
  const mounted = process.geteuid?.() === 0 && spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=755`, 'tmpfs', dir]).status === 0;
  return {
    dir,
    remove() {
      if (mounted) {
        spawnSync('umount', ['-l', dir]);
        removeTree(dir);
        return;
      }
      // On a disk (no root, no tmpfs) the tens of thousands of files these tests make take over a minute to delete
      // where the disk discards freed blocks (this machine's root file system): longer than any hook should wait,
      // and nothing after the tests needs them gone at once. A read-only folder is opened up first, as removeTree does.
      spawn('sh', ['-c', 'chmod -R u+rwX "$1" 2>/dev/null; rm -rf "$1"', 'sh', dir], { detached: true, stdio: 'ignore' }).unref();
    },
  };
}

/**
 * Whether this process may mount a tmpfs: root, and allowed to (a container may refuse it even to root). Tests
 * that need a filesystem of their own (a full disk) skip without it, as they do without root.
 */
export function canMountTmpfs(): boolean {
  if (process.geteuid?.() !== 0) return false;
  const dir = mkdtempSync(`${tmpdir()}/fanout-mount-probe-`);
  try {
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).status === 0;
    if (mounted) spawnSync('umount', ['-l', dir]);
    return mounted;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
