/** End to end through the CLI (needs `npx tsc -p .` first: bin/fanout.js loads dist/). */
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, watch, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRunSummary } from '../../../src/compare/run-summary.js';
import { fixtureTree, largeFiles, smallFiles } from '../../../fixtures/tree.js';
import { canMountTmpfs, scratch, type Scratch } from './scratch.js';
import { expectSameTree, snapshot, tempNames, withoutAtimes } from './snapshot.js';
import { binFor } from '../../helpers/user-bin.js';
import { needsRoot, skipUnless } from '../../helpers/needs.js';

const BIN = process.env.FANOUT_BIN ?? fileURLToPath(new URL('../../../bin/fanout.js', import.meta.url));
const isRoot = process.geteuid?.() === 0;
const canMount = canMountTmpfs();
let area: Scratch;
let base: string;

beforeAll(() => {
  area = scratch('fanout-copy-cli-', '768m');
  base = area.dir;
});

afterAll(() => area.remove());

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI (`bin`); `prefix` runs it through another command (e.g. setpriv), whose last word is node. */
function fanout(args: string[], options: SpawnOptions = {}, prefix: string[] = [process.execPath], bin = BIN): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(prefix[0], [...prefix.slice(1), bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * Runs fanout and sends it `signal` as soon as its log (alone in its folder) holds a whole record: records are
 * written as entries complete, so the copy is under way. Resolves with how the process ended.
 */
function signalOnFirstRecord(args: string[], log: string, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: 'ignore' });
  const watcher = watch(dirname(log), () => {
    if (existsSync(log) && readFileSync(log, 'utf8').includes('\n')) {
      watcher.close();
      child.kill(signal);
    }
  });
  return new Promise((resolve) =>
    child.on('exit', (code, sig) => {
      watcher.close();
      resolve({ code, signal: sig });
    }),
  );
}

describe('fanout copy (CLI)', () => {
  it('survives a kill of the whole process mid-copy: a re-run completes an identical tree, no temp files left', async () => {
    const src = `${base}/kill-src`;
    const dst = `${base}/kill-dst`;
    const logDir = `${base}/kill-logs`;
    smallFiles(src, 4000);
    largeFiles(`${src}/big`, 4, 24 << 20);
    mkdirSync(logDir);
    const log = `${logDir}/copy.jsonl`;
    const { signal } = await signalOnFirstRecord(['copy', src, dst, '--threads', '2', '--log', log, '--quiet'], log, 'SIGKILL');
    expect(signal).toBe('SIGKILL'); // it was killed, not finished
    const done = readFileSync(log, 'utf8').split('\n').filter(Boolean).length;
    expect(done).toBeLessThan(4000);

    const rerun = await fanout(['copy', src, dst, '--threads', '2']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expectSameTree(src, dst, { atime: false }); // the first run read some sources, which moved their atimes
    expect(tempNames(dst)).toEqual([]);
  });

  it('stops on Ctrl-C in async mode too, mid-copy: exit 130, a clean log prefix, no temp files, and a re-run completes', async () => {
    // In async mode the copy runs on the event loop that must also see the signal.
    const src = `${base}/int-src`;
    const dst = `${base}/int-dst`;
    const logDir = `${base}/int-logs`;
    smallFiles(src, 12_000);
    mkdirSync(logDir);
    const log = `${logDir}/copy.jsonl`;
    const { code } = await signalOnFirstRecord(['copy', src, dst, '--log', log, '--quiet'], log, 'SIGINT');
    expect(code).toBe(130);
    const lines = readFileSync(log, 'utf8').split('\n');
    expect(lines.pop()).toBe(''); // ends with a whole line
    expect(lines.length).toBeLessThan(snapshot(src).size);
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    expect(tempNames(dst)).toEqual([]);
    const rerun = await fanout(['copy', src, dst]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expectSameTree(src, dst, { atime: false });
  });

  for (const [name, dstOf, code] of [
    ['SRC == DST', (s: string) => s, 'REFUSED_SAME'],
    ['DST inside SRC', (s: string) => `${s}/inner/dst`, 'REFUSED_DST_INSIDE_SRC'],
    ['SRC inside DST', () => base, 'REFUSED_SRC_INSIDE_DST'],
  ] as const) {
    it(`exits 2 before writing anything when ${name}`, async () => {
      const src = `${base}/refuse-${code}`;
      smallFiles(src, 20);
      const before = withoutAtimes(snapshot(src));
      const r = await fanout(['copy', src, dstOf(src)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(code);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(withoutAtimes(snapshot(src))).toEqual(before);
    });
  }

  it('answers a bad command line with exit 2 and a single line on stderr, writing nothing', async () => {
    const dst = `${base}/usage-dst`;
    smallFiles(`${base}/usage-src`, 3); // SRC exists: only the flags are wrong
    // a flag left without its value (an unset shell variable) must not silently mean "no log" or "exclude nothing"
    for (const bad of [['--threads', '0'], ['--concurrency', 'x'], ['--threads', '2', '--procs', '2'], ['--bogus'], ['--log'], ['--exclude'], ['--include']]) {
      const r = await fanout(['copy', `${base}/usage-src`, dst, ...bad]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
    }
    expect(existsSync(dst)).toBe(false);
  });

  it('refuses a --log inside SRC or DST (a file of SRC, a new name, a symlink into SRC, DST) with exit 2, one line, nothing written', async () => {
    const src = `${base}/log-inside-src`;
    const dst = `${base}/log-inside-dst`;
    smallFiles(src, 5);
    mkdirSync(dst);
    writeFileSync(`${dst}/theirs.txt`, 'not from SRC\n');
    symlinkSync(`${src}/d0/e0/f0.txt`, `${base}/log-link`);
    const srcBefore = withoutAtimes(snapshot(src));
    const dstBefore = withoutAtimes(snapshot(dst));
    for (const [log, code] of [
      [`${src}/d0/e0/f0.txt`, 'REFUSED_LOG_INSIDE_SRC'], // truncated by opening it as the log
      [`${src}/d0/run.log`, 'REFUSED_LOG_INSIDE_SRC'], // copied while it is written
      [`${base}/log-link`, 'REFUSED_LOG_INSIDE_SRC'],
      [`${dst}/../log-inside-dst/run.log`, 'REFUSED_LOG_INSIDE_DST'], // replaced by SRC's run.log, should it have one
    ]) {
      const r = await fanout(['copy', src, dst, '--log', log]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n'), r.stderr).toEqual([expect.stringMatching(new RegExp(`^fanout: ${code}: --log `))]);
    }
    expect(withoutAtimes(snapshot(src))).toEqual(srcBefore);
    expect(withoutAtimes(snapshot(dst))).toEqual(dstBefore);
  });

  it('stops with LOG_FAILED, one line and exit 2, when the log cannot be written', async () => {
    const src = `${base}/log-src`;
    smallFiles(src, 5);
    const r = await fanout(['copy', src, `${base}/log-dst`, '--log', `${base}/no-such-dir/log.jsonl`]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n'), r.stderr).toEqual([expect.stringMatching(/^fanout: LOG_FAILED: cannot write the log .*no-such-dir\/log\.jsonl: no such file or directory$/)]);
  });

  it('refuses an empty SRC or DST (which would resolve to the working directory) with exit 2, writing nothing', async () => {
    const src = `${base}/empty-arg-src`;
    const cwd = `${base}/empty-arg-cwd`;
    smallFiles(src, 5);
    mkdirSync(cwd);
    for (const [args, code] of [[[src, ''], 'DST_NOT_A_DIRECTORY'], [['', `${base}/empty-arg-dst`], 'SRC_NOT_A_DIRECTORY']] as const) {
      const r = await fanout(['copy', ...args], { cwd });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n'), r.stderr).toEqual([expect.stringContaining(code)]);
    }
    expect(readdirSync(cwd)).toEqual([]);
    expect(existsSync(`${base}/empty-arg-dst`)).toBe(false);
  });

  it('stops with READ_ONLY, one line and exit 2, when a missing DST is on a read-only file system', async (ctx) => {
    skipUnless(ctx, canMount, 'needs root allowed to mount a tmpfs (a read-only or full disk)');
    const src = `${base}/ro-src`;
    const ro = `${base}/ro-mount`;
    smallFiles(src, 5);
    mkdirSync(ro);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro]).status).toBe(0);
    try {
      for (const dst of [`${ro}/dst`, `${ro}/deeper/dst`]) {
        const r = await fanout(['copy', src, dst]);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr.trim().split('\n'), r.stderr).toEqual([expect.stringMatching(/^fanout: READ_ONLY: /)]);
      }
    } finally {
      spawnSync('umount', ['-l', ro]);
    }
  });

  it('stops promptly on a full disk with one clear line, exit 2, and no temp files', async (ctx) => {
    skipUnless(ctx, canMount, 'needs root allowed to mount a tmpfs (a read-only or full disk)');
    const src = `${base}/full-src`;
    const dst = `${base}/full-dst`;
    smallFiles(src, 300);
    largeFiles(`${src}/big`, 3, 3 << 20);
    mkdirSync(dst);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dst]).status).toBe(0);
    try {
      const r = await fanout(['copy', src, dst, '--threads', '2', '--log', `${base}/full.jsonl`]);
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^fanout: NO_SPACE: no space left on the destination .*temp files removed$/);
      expect(tempNames(dst)).toEqual([]);
    } finally {
      spawnSync('umount', ['-l', dst]);
    }
  });

  it('records an unreadable file as a PERMISSION failure, copies the rest, and exits 1', async (ctx) => {
    needsRoot(ctx, 'to copy as another user, for whom a file is unreadable');
    const src = `${base}/perm-src`;
    const out = `${base}/perm-out`;
    mkdirSync(src, { mode: 0o755 });
    mkdirSync(out, { mode: 0o777 });
    chmodSync(out, 0o777);
    writeFileSync(`${src}/a.txt`, 'a\n', { mode: 0o644 });
    writeFileSync(`${src}/secret`, 'root only\n', { mode: 0o600 });
    writeFileSync(`${src}/z.txt`, 'z\n', { mode: 0o644 });
    const log = `${out}/log.jsonl`;
    // As an unprivileged user, for whom 'secret' is unreadable.
    const r = await fanout(['copy', src, `${out}/dst`, '--log', log], { uid: 65534, gid: 65534 }, [process.execPath], binFor(65534, 65534, BIN));
    expect(r.code, r.stderr).toBe(1);
    const records = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((x) => [x.path, x.ok, x.error?.code ?? null])).toEqual([
      ['.', true, null], ['a.txt', true, null], ['secret', false, 'PERMISSION'], ['z.txt', true, null],
    ]);
    expect(readFileSync(`${out}/dst/z.txt`, 'utf8')).toBe('z\n');
    expect(tempNames(`${out}/dst`)).toEqual([]);
  });

  const hasSetpriv = isRoot && spawnSync('setpriv', ['--version']).status === 0;
  it("keeps a file's group without root when the copier belongs to it, as cp -a does", async (ctx) => {
    skipUnless(ctx, hasSetpriv, 'needs root and setpriv, to copy as a user with a supplementary group');
    const src = `${base}/group-src`;
    const out = `${base}/group-out`;
    mkdirSync(`${src}/shared`, { recursive: true, mode: 0o755 });
    mkdirSync(out, { mode: 0o777 });
    chmodSync(out, 0o777);
    writeFileSync(`${src}/shared/ours.txt`, 'group 4321\n', { mode: 0o664 });
    writeFileSync(`${src}/theirs.txt`, 'group 5555\n', { mode: 0o664 });
    chownSync(`${src}/shared`, 0, 4321);
    chownSync(`${src}/shared/ours.txt`, 0, 4321);
    chownSync(`${src}/theirs.txt`, 0, 5555);
    // uid 65534, primary group 65534, also in group 4321 (not in 5555)
    const asUser = (args: string[]) => fanout(args, {}, ['setpriv', '--reuid=65534', '--regid=65534', '--groups=4321', process.execPath], binFor(65534, 65534, BIN));
    const first = await asUser(['copy', src, `${out}/dst`]);
    expect(first.code, first.stderr).toBe(0);
    expect(lstatSync(`${out}/dst/shared`).gid).toBe(4321);
    expect(lstatSync(`${out}/dst/shared/ours.txt`).gid).toBe(4321);
    expect(lstatSync(`${out}/dst/theirs.txt`).gid).toBe(65534); // not ours to give: left as created, no failure
    const again = await asUser(['copy', src, `${out}/dst`, '--log', `${out}/again.jsonl`]);
    expect(again.code, again.stderr).toBe(0);
    const actions = readFileSync(`${out}/again.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l).action);
    expect(actions.every((a) => a === 'skip'), actions.join()).toBe(true);
  });

  it('prints the plan with --dry-run and writes nothing', async () => {
    const src = `${base}/dry-src`;
    smallFiles(src, 30);
    const r = await fanout(['copy', src, `${base}/dry-dst`, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    const plan = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(plan).toHaveLength(33); // root, d0, d0/e0, 30 files
    expect(plan.filter((p) => p.action === 'copy')).toHaveLength(30);
    expect(existsSync(`${base}/dry-dst`)).toBe(false);
  });

  it('ends a --dry-run quietly when the reader of the plan goes away (| head)', async () => {
    const src = `${base}/dry-pipe-src`;
    smallFiles(src, 3000); // a plan far bigger than a pipe's buffer: the writer is still at it when the reader leaves
    const child = spawn(process.execPath, [BIN, 'copy', src, `${base}/dry-pipe-dst`, '--dry-run'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdout!.once('data', () => child.stdout!.destroy());
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).not.toContain('EPIPE');
    expect(code, stderr).toBe(0);
    expect(existsSync(`${base}/dry-pipe-dst`)).toBe(false);
  });

  it('produces the same tree in every mode, and a summary fanout compare can read with the same result hash', async () => {
    const src = `${base}/hash-src`;
    fixtureTree(src);
    const hashes: string[] = [];
    for (const mode of [[], ['--threads', '2'], ['--procs', '2']]) {
      const json = `${base}/summary-${hashes.length}.json`;
      const dst = `${base}/hash-dst-${hashes.length}`;
      const r = await fanout(['copy', src, dst, ...mode, '--summary-json', json]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^fanout copy: (\d+) entries: \1 copied, 0 skipped, 0 failed/);
      expectSameTree(src, dst);
      const summary = readRunSummary(json);
      expect(summary, readFileSync(json, 'utf8')).not.toBeNull();
      expect(summary!.items).toBe(snapshot(src).size);
      expect(summary!.failed).toBe(0);
      hashes.push(summary!.resultHash);
    }
    expect(new Set(hashes).size).toBe(1);
    expect(hashes[0]).toMatch(/^[0-9a-f]{64}$/);
  });
});
