/** Where the comparison ran: the header every report carries, so figures are never read without context. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../util/package-root.js';

export { packageRoot };

export interface Environment {
  fanoutVersion: string;
  /** Commit of the fanout checkout that ran, when it runs from a git checkout; `+dirty` if modified. */
  gitCommit: string | null;
  node: string;
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  os: string;
  /** ISO 8601, when the comparison started. */
  date: string;
  /** 1-minute load average when the comparison started: above `cores`, timings are suspect. */
  loadAverage: number;
}

export function captureEnvironment(now = new Date()): Environment {
  const root = packageRoot();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const cpus = os.cpus();
  return {
    fanoutVersion: pkg.version,
    gitCommit: gitCommit(root),
    node: process.version,
    cpuModel: cpus[0]?.model.trim() || 'unknown',
    cores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    os: osName(),
    date: now.toISOString(),
    loadAverage: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

function gitCommit(root: string): string | null {
  // Only the package's own checkout: an installed copy inside someone else's repository has no commit of its own.
  if (!existsSync(join(root, '.git'))) return null;
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const head = git('rev-parse', 'HEAD');
    const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
    return dirty ? `${head}+dirty` : head;
  } catch {
    return null;
  }
}

function osName(): string {
  let pretty = '';
  try {
    pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '';
  } catch {
    // not Linux, or no os-release
  }
  const kernel = `${os.type()} ${os.release()} ${os.arch()}`;
  return pretty ? `${pretty} (${kernel})` : kernel;
}
