/**
 * The cluster tests' Redis (fixtures/redis-server.ts) never outlives the test process that started it, even one
 * killed with SIGKILL: a killed test run must not leave redis-server processes behind.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { until } from '../../fixtures/scrape-options.js';

const FIXTURE = new URL('../../dist/fixtures/redis-server.js', import.meta.url).href;

/** Whether `pid` is a running process (a zombie no one reaps yet is not). */
function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('the test Redis', () => {
  it('leaves no folder behind a process that ended without stop(), and keeps a live one\'s', async () => {
    // Processes that start a Redis, say where its folder is, and exit without stop() when their stdin closes.
    const script = `const { startRedis } = await import(${JSON.stringify(FIXTURE)});
      const redis = await startRedis();
      process.stdout.write(redis.dir + '\\n');
      process.stdin.resume().on('end', () => process.exit(0));`;
    const starter = () => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      return { child, exited, dir: () => until(() => out.endsWith('\n'), 20_000).then(() => out.trim()) };
    };
    const gone = starter();
    const live = starter();
    try {
      const goneDir = await gone.dir();
      const liveDir = await live.dir();
      expect(goneDir).toMatch(/fanout-redis-\d+-/);
      expect(existsSync(goneDir), 'its folder is there while it runs').toBe(true);
      gone.child.stdin!.end();
      await gone.exited;
      const { startRedis } = (await import(FIXTURE)) as typeof import('../../fixtures/redis-server.js');
      const next = await startRedis();
      try {
        expect(existsSync(goneDir), 'the folder of the process that is gone').toBe(false);
        expect(existsSync(liveDir), 'the folder of the process still running').toBe(true);
      } finally {
        await next.stop();
      }
    } finally {
      gone.child.kill('SIGKILL');
      live.child.stdin!.end();
      await live.exited;
    }
  });

  it('dies with the process that started it when that process is killed with SIGKILL', async () => {
    // A process that starts a Redis, says where, and waits to be killed.
    const script = `const { startRedis } = await import(${JSON.stringify(FIXTURE)});
      const redis = await startRedis();
      process.stdout.write(redis.socket + '\\n');
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    parent.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((resolve) => parent.once('exit', resolve));
    let pid = 0;
    try {
      await until(() => out.endsWith('\n'), 20_000);
      const socket = out.trim();
      pid = Number(/process_id:(\d+)/.exec(execFileSync('redis-cli', ['-s', socket, 'info', 'server']).toString())![1]);
      expect(running(pid)).toBe(true);
      parent.kill('SIGKILL');
      await exited;
      await until(() => !running(pid), 10_000).catch(() => {});
      expect(running(pid), `redis-server ${pid} outlived its parent`).toBe(false);
    } finally {
      parent.kill('SIGKILL');
      if (pid && running(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
