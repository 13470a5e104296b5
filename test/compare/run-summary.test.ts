import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalJson, childrenCpu, readRunSummary, ResultHasher, startRunMetrics, writeRunSummary } from '../../src/compare/run-summary.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'fanout-summary-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('run summary', () => {
  it('writes the job counts with elapsed time, event-loop delay, CPU and peak memory added', () => {
    startRunMetrics();
    const dir = tempDir();
    const file = join(dir, 'summary.json');
    const written = writeRunSummary(file, { items: 3, ok: 2, failed: 1, retries: 4, bytes: 99, resultHash: 'sha256:x' });
    const read = JSON.parse(readFileSync(file, 'utf8'));
    expect(read).toEqual(written);
    expect(read).toMatchObject({ items: 3, ok: 2, failed: 1, retries: 4, bytes: 99, resultHash: 'sha256:x' });
    expect(read.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(read.eventLoopDelayP99Ms).toBeGreaterThanOrEqual(0);
    expect(read.cpu.userMs).toBeGreaterThan(0);
    expect(read.maxRssBytes).toBeGreaterThan(1024 * 1024);
    expect(readdirSync(dir)).toEqual(['summary.json']); // the temp file was renamed, not left behind
    expect(readRunSummary(file)).toEqual(read);
  });

  it('counts the CPU of child processes the job waited for', () => {
    const before = childrenCpu();
    // The child spins 300 ms of CPU time (not wall time: the machine may be busy).
    spawnSync(process.execPath, ['-e', 'const t = process.cpuUsage(); while (process.cpuUsage(t).user / 1000 < 300);']);
    const after = childrenCpu();
    expect(after.userMs + after.systemMs - (before.userMs + before.systemMs)).toBeGreaterThanOrEqual(280);
  });

  it('reads a missing or malformed summary as null', () => {
    const dir = tempDir();
    expect(readRunSummary(join(dir, 'none.json'))).toBeNull();
    const file = join(dir, 'bad.json');
    writeRunSummary(file, { items: 1, ok: 1, failed: 0, retries: 0, bytes: 0, resultHash: 'h' });
    const text = readFileSync(file, 'utf8').replace('"resultHash"', '"other"');
    const bad = join(dir, 'bad2.json');
    writeFileSync(bad, text);
    expect(readRunSummary(bad)).toBeNull();
  });

  it('hashes records in order, ignoring key order and the timing fields it is told to omit', () => {
    const a = new ResultHasher(['ms']).add({ url: 'u', ok: true, ms: 12 }).add({ url: 'v', ok: false, ms: 3 }).digest();
    const b = new ResultHasher(['ms']).add({ ms: 99, ok: true, url: 'u' }).add({ ok: false, url: 'v', ms: 1 }).digest();
    const swapped = new ResultHasher(['ms']).add({ url: 'v', ok: false }).add({ url: 'u', ok: true }).digest();
    const dropped = new ResultHasher(['ms']).add({ url: 'u', ok: true }).digest();
    expect(a).toBe(b);
    expect(a).not.toBe(swapped);
    expect(a).not.toBe(dropped);
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[1,{"c":2,"d":1}]}');
  });
});
