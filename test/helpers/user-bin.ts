/**
 * The CLI as another user can run it. Tests that drop to uid 65534 (nobody) to meet permission errors spawn
 * bin/fanout.js as that user; in a checkout that user cannot reach (a 0700 temp folder, a private home) node
 * could not even load it, and the test failed for that reason instead of the one it checks. Then the built
 * package (bin, dist, node_modules, package.json) is mirrored once per test process into a world-readable temp
 * folder: hard links where the file system allows (cp -al), a copy elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';
import { BIN } from './cli.js';

let mirror: string | undefined;
let mirrorDir: string | undefined;

// Removed when the test file is done: vitest ends its worker processes without running their 'exit' handlers,
// and a mirror left behind is the whole package (~120 MB) in the temp folder.
afterAll(() => {
  if (mirrorDir) rmSync(mirrorDir, { recursive: true, force: true });
  mirrorDir = mirror = undefined;
});

/** A path of bin/fanout.js that `uid`/`gid` can load. */
export function binFor(uid: number, gid: number, bin = BIN): string {
  const probe = `require('fs').accessSync(process.argv[1], ${constants.R_OK})`;
  if (spawnSync(process.execPath, ['-e', probe, bin], { uid, gid }).status === 0) return bin;
  if (!mirror) {
    const root = dirname(dirname(bin));
    const dir = mkdtempSync(join(tmpdir(), 'fanout-as-user-'));
    chmodSync(dir, 0o755);
    mirrorDir = dir;
    for (const part of ['package.json', 'bin', 'dist', 'node_modules']) {
      const from = join(root, part);
      if (spawnSync('cp', ['-al', from, dir]).status !== 0 && spawnSync('cp', ['-a', from, dir]).status !== 0) {
        throw new Error(`cannot mirror ${from} into ${dir} for uid ${uid}`);
      }
    }
    mirror = join(dir, 'bin', 'fanout.js');
  }
  return mirror;
}
