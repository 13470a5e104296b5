import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { processTree, rssBytes, treeRssBytes } from '../../src/compare/proc-tree.js';

const MiB = 1024 * 1024;

describe('process tree memory', () => {
  it('finds a grandchild and sums the resident memory of the whole tree', async () => {
    // The child forks a grandchild that fills 80 MiB, then both report their pids and wait for stdin to close.
    const grandchild = `const b = Buffer.alloc(80 * 1048576, 1); process.stdout.write(String(process.pid)); process.stdin.resume(); process.stdin.on('end', () => process.exit(b[0] - 1));`;
    const child = spawn(process.execPath, [
      '-e',
      `const { spawn } = require('node:child_process');
       const g = spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: ['pipe', 'pipe', 'inherit'] });
       g.stdout.once('data', (pid) => process.stdout.write(process.pid + ' ' + pid + '\\n'));
       process.stdin.resume(); process.stdin.on('end', () => g.stdin.end()); g.on('exit', () => process.exit(0));`,
    ], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const [line] = (await once(child.stdout!, 'data')) as [Buffer];
      const [pid, gpid] = line.toString().trim().split(' ').map(Number);
      expect(processTree(pid)).toEqual([pid, gpid]);
      expect(rssBytes(gpid)).toBeGreaterThan(80 * MiB);
      expect(treeRssBytes(pid)).toBeGreaterThanOrEqual(rssBytes(pid) + rssBytes(gpid) - MiB);
      expect(treeRssBytes(pid)).toBeGreaterThan(100 * MiB);
    } finally {
      child.stdin!.end();
      await once(child, 'exit');
    }
  });

  it('reads a process that has gone as empty', () => {
    expect(processTree(2 ** 22 + 12345)).toEqual([]);
    expect(treeRssBytes(2 ** 22 + 12345)).toBe(0);
  });
});
