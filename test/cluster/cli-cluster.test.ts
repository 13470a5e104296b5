import { describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startRedis } from '../../fixtures/redis-server.js';
import { startWorker, stopWorker } from '../../fixtures/cluster-workers.js';
import { lineCount, parseJsonl, runCli, startCli } from '../helpers/cli.js';
import { run } from '../../src/engine/coordinator.js';
import { clusterRig, redisKeys, redisTtlMs, waitFor } from './support.js';

const rig = clusterRig('fanout cluster-cli-', { hosts: 2, latencyMs: 0 });

describe('fanout scrape --cluster', () => {
  it('stops on Ctrl-C with a clean prefix and nothing left in Redis, and --resume completes the file', async () => {
    await rig.startWorker();
    const list = Array.from({ length: 300 }, (_, i) => `${rig.site.urls[i % 2]}/page/${i}?latency=40`);
    const input = join(rig.dir, 'urls.txt');
    const out = join(rig.dir, 'out.jsonl');
    await writeFile(input, list.join('\n') + '\n');
    const { child, done } = startCli(['scrape', input, '-o', out, '--cluster', rig.redis.url, '-c', '8', '--per-host', '4']);
    await waitFor(() => lineCount(out) >= 20);
    child.kill('SIGINT');
    const stopped = await done;
    expect(stopped.code).toBe(130);
    const prefix = parseJsonl<{ index: number }>(await readFile(out, 'utf8'));
    expect(prefix.length).toBeLessThan(300);
    expect(prefix.map((r) => r.index)).toEqual(prefix.map((_, i) => i));
    expect(redisKeys(rig.redis)).toEqual([]);

    const resumed = await runCli(['scrape', input, '-o', out, '--resume', '--cluster', rig.redis.url, '-c', '8']);
    expect(resumed.code).toBe(0);
    const records = parseJsonl<{ index: number; url: string; ok: boolean }>(await readFile(out, 'utf8'));
    expect(records.map((r) => r.url)).toEqual(list);
    expect(records.every((r) => r.ok)).toBe(true);
    expect(redisKeys(rig.redis)).toEqual([]);
  });

  it('says it is waiting for workers while none serves the run', async () => {
    const input = join(rig.dir, 'one.txt');
    await writeFile(input, `${rig.site.url}/page/1\n`);
    const { child, done } = startCli(['scrape', input, '-o', join(rig.dir, 'one.jsonl'), '--cluster', rig.redis.url]);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor(() => stderr.includes('waiting for workers'));
    await rig.startWorker();
    expect((await done).code).toBe(0);
    expect(stderr).toContain(`waiting for workers on ${rig.redis.url} (start one: fanout worker ${rig.redis.url})`);
  });

  it('refuses an unreachable Redis in one line, exit 2, before the output file is made', async () => {
    const input = join(rig.dir, 'unreachable.txt');
    const out = join(rig.dir, 'unreachable.jsonl');
    await writeFile(input, `${rig.site.url}/page/1\n`);
    const dead = await startRedis();
    const url = dead.url;
    await dead.stop();
    const r = await runCli(['scrape', input, '-o', out, '--cluster', url]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^fanout: REDIS_UNREACHABLE: /);
    expect(existsSync(out)).toBe(false);
    const w = await runCli(['worker', url]);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/^fanout: REDIS_UNREACHABLE: /);
  });

  it('refuses --cluster with --procs, as a usage error', async () => {
    const r = await runCli(['scrape', '-', '--cluster', rig.redis.url, '--procs', '2'], { input: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--cluster and --procs cannot be combined/);
  });

  it('leaves every key of a killed coordinator with an expiry', async () => {
    const worker = await startWorker(rig.redis.url);
    const list = Array.from({ length: 400 }, (_, i) => `${rig.site.urls[i % 2]}/page/${i}?latency=50`);
    const input = join(rig.dir, 'killed.txt');
    const out = join(rig.dir, 'killed.jsonl');
    await writeFile(input, list.join('\n') + '\n');
    const { child, done } = startCli(['scrape', input, '-o', out, '--cluster', rig.redis.url, '--lease', '1', '-c', '8']);
    await waitFor(() => lineCount(out) >= 30);
    child.kill('SIGKILL');
    await done;
    await stopWorker(worker); // it finishes what it held; nothing changes in Redis after that
    const keys = redisKeys(rig.redis);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((key) => !(redisTtlMs(rig.redis, key) > 0))).toEqual([]);
    flushRedis(); // they would lapse by themselves; the next test wants an empty Redis now
  });
});

describe('task modules through the cluster', () => {
  it('refuses a run whose task module a worker was not given, with a line on both sides, and serves it with --task', async () => {
    const task = join(rig.dir, 'double.mjs');
    await writeFile(task, 'export default () => (n) => n * 2;\n');
    const plain = await rig.startWorker();
    const notices: string[] = [];
    const results: number[] = [];
    const running = run<number, number>({
      items: [1, 2, 3],
      task,
      mode: 'cluster',
      cluster: { url: rig.redis.url, onNotice: (line) => notices.push(line) },
      onResult: (r) => void (r.ok && results.push(r.value)),
    });
    await waitFor(() => notices.length > 0);
    expect(notices[0]).toMatch(/refused the run: its task module double\.mjs \(sha256 [0-9a-f]{8}\) is not this worker's own \(start it with --task FILE\)/);
    await plain.said(/refused run [0-9a-f]+: its task module double\.mjs/);
    await rig.startWorker(['--task', task]);
    await running;
    expect(results).toEqual([2, 4, 6]);
    expect(redisKeys(rig.redis)).toEqual([]);
  });
});

function flushRedis(): void {
  execFileSync('redis-cli', ['-s', rig.redis.socket, 'flushall']);
}
