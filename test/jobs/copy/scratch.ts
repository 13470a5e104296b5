/** A scratch folder for copy tests: a tmpfs when root may mount one, else a plain temp folder. */
import { spawnSync } from 'node:child_process';
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
      if (mounted) spawnSync('umount', ['-l', dir]);
      removeTree(dir);
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
