/**
 * Copy through the cluster needs SRC and DST at the same paths on every worker (a shared file system, as fpsync
 * and dcp need). The coordinator writes a probe file with a random token into DST and names it, with SRC's
 * inode, in the run's manifest; a worker that does not read the same (cluster/shared-paths.ts) is refused.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive } from './temp.js';
import type { SharedPaths } from '../../cluster/wire.js';

const PROBE_PREFIX = '.fanout-probe-';

export interface ClusterProbe {
  shared: SharedPaths;
  /** Removes the probe file (before DST's own metadata is set). */
  remove(): void;
}

export function writeClusterProbe(src: string, dst: string): ClusterProbe {
  const dirs = [{ path: src, ino: statSync(src).ino }];
  // A dry run may have no DST yet: then only SRC is checked.
  if (!existsSync(dst)) return { shared: { dirs }, remove: () => {} };
  sweepDeadProbes(dst);
  const token = randomBytes(16).toString('hex');
  const path = join(dst, `${PROBE_PREFIX}${process.pid}-${token.slice(0, 12)}`);
  writeFileSync(path, token, { flag: 'wx', mode: 0o644 });
  return {
    shared: { dirs: [...dirs, { path: dst, ino: statSync(dst).ino }], files: [{ path, content: token }] },
    remove: () => rmSync(path, { force: true }),
  };
}

/** A coordinator killed mid-run (SIGKILL) left its probe, named with its pid: removed once that pid is gone. */
function sweepDeadProbes(dst: string): void {
  let names: string[];
  try {
    names = readdirSync(dst);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^\.fanout-probe-(\d{1,10})-[0-9a-f]{12}$/.exec(name)?.[1];
    if (pid !== undefined && !alive(Number(pid))) rmSync(join(dst, name), { force: true });
  }
}
