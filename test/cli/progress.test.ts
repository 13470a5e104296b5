/** Progress where stderr is not a terminal (a pipe, a log): plain lines, one per interval, when asked for. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { startProgress } from '../../src/cli/progress.js';

const BIN = fileURLToPath(new URL('../../bin/fanout.js', import.meta.url));
const dir = mkdtempSync(`${tmpdir()}/fanout progress `);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('progress in a log', () => {
  it('writes a plain line per interval and a last one at the end, without carriage returns', () => {
    vi.useFakeTimers();
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    let n = 0;
    const line = startProgress(() => `step ${n++}`, true, 250, false);
    vi.advanceTimersByTime(3000);
    line.stop();
    vi.restoreAllMocks();
    expect(written.join('')).toBe('step 0\nstep 1\nstep 2\nstep 3\n');
  });

  it('copy --progress with stderr piped prints progress lines a log can keep (no \\r, no escape codes)', () => {
    const src = `${dir}/src`;
    mkdirSync(src);
    for (let i = 0; i < 20; i++) writeFileSync(`${src}/f${i}`, `${i}\n`);
    const r = spawnSync(process.execPath, [BIN, 'copy', src, `${dir}/dst`, '--progress'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/[\r\x1b]/);
    // "21/21 entries" once the count of SRC behind the ETA is done, "21 entries" before: a race in a copy this small
    expect(r.stderr).toMatch(/^(21\/)?21 entries \(21 copied, 0 skipped, 0 failed\), .*ETA/m);
    expect(r.stderr).toMatch(/^fanout copy: 21 entries/m);
  });

  it('copy without --progress and stderr piped prints only its summary', () => {
    const src = `${dir}/src2`;
    mkdirSync(src);
    writeFileSync(`${src}/a`, 'a\n');
    const r = spawnSync(process.execPath, [BIN, 'copy', src, `${dir}/dst2`], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^fanout copy: 2 entries/);
  });
  it('copy --progress -q prints nothing on stderr: the flag given last decides, -q meaning no progress', () => {
    const src = `${dir}/src3`;
    mkdirSync(src);
    writeFileSync(`${src}/a`, 'a\n');
    for (const flags of [['--progress', '-q'], ['--progress', '--quiet'], ['--progress', '-nq']]) {
      const r = spawnSync(process.execPath, [BIN, 'copy', src, `${dir}/dst3`, ...flags], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr, flags.join(' ')).toBe('');
    }
  });

  it('copy -q --progress prints progress lines but still no summary', () => {
    const src = `${dir}/src4`;
    mkdirSync(src);
    writeFileSync(`${src}/a`, 'a\n');
    const r = spawnSync(process.execPath, [BIN, 'copy', src, `${dir}/dst4`, '-q', '--progress'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^2 entries \(2 copied, 0 skipped, 0 failed\)/m);
    expect(r.stderr).not.toMatch(/^fanout copy:/m);
  });

  it('scrape --progress -q prints nothing on stderr, its records still on stdout', () => {
    const r = spawnSync(process.execPath, [BIN, 'scrape', '-', '--progress', '-q'], { encoding: 'utf8', input: 'not a url\n', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).error.code).toBe('INVALID_URL');
  });
});
