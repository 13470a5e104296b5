import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { builtFixture } from './support.js';

describe('a process that ran pools', () => {
  it('exits by itself after a threads run and a procs run (no leaked workers, timers or sockets)', async () => {
    const child = spawn(process.execPath, [builtFixture('run-pools.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    const safety = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('exit', (c, s) => resolve([c, s])),
    );
    clearTimeout(safety);
    expect(signal).toBeNull(); // killed by the safety timeout means it hung
    expect(code).toBe(0);
    expect(out).toBe('threads 1000 1000\nprocs 1000 1000\n');
  });
});
