/** `fanout copy -i` and `-v` end to end, on real trees (needs the build: bin/fanout.js loads dist/). */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTree, smallFiles } from '../../../fixtures/tree.js';
import { BIN, runCli } from '../../helpers/cli.js';
import { needsRoot, skipUnless } from '../../helpers/needs.js';
import { tempNames } from './snapshot.js';
import { changeTree, ITEMIZED, makeTree, T0 } from './changed-tree.js';

const isRoot = process.geteuid?.() === 0;
const hasRsync = spawnSync('rsync', ['--version']).status === 0;
let base: string;
let n = 0;

beforeAll(() => {
  base = mkdtempSync(`${tmpdir()}/fanout itemize `);
});
afterAll(() => removeTree(base));

/** SRC and a DST that is its copy, then SRC changed. */
async function changedPair(): Promise<{ src: string; dst: string }> {
  const src = `${base}/src-${n}`;
  const dst = `${base}/dst-${n++}`;
  makeTree(src);
  expect((await runCli(['copy', '-q', src, dst])).code).toBe(0);
  changeTree(src);
  return { src, dst };
}

const lines = (stdout: string) => stdout.split('\n').filter(Boolean);

describe('fanout copy -i', () => {
  it('prints a new tree as one +++++++++ line per entry, in walk order, and nothing on a re-run', async () => {
    const src = `${base}/src-${n}`;
    const dst = `${base}/dst-${n++}`;
    makeTree(src);
    const first = await runCli(['copy', '-i', src, dst]);
    expect(first.code).toBe(0);
    expect(lines(first.stdout)).toEqual([
      'cd+++++++++ ./', '>f+++++++++ a', '>f+++++++++ b', '>f+++++++++ c', '>f+++++++++ d', 'cL+++++++++ l',
      'cd+++++++++ sub/', '>f+++++++++ sub/s', 'cd+++++++++ zz/', '>f+++++++++ zz/q',
    ]);
    expect(first.stderr).toMatch(/^fanout copy: 10 entries: 10 copied/);
    const again = await runCli(['copy', '-i', src, dst]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');
  });

  it('says what changed for a touched file, other data of the same size, a chmod, a longer file, a new link target and a new file', async () => {
    const { src, dst } = await changedPair();
    const r = await runCli(['copy', '-i', src, dst]);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual(ITEMIZED);
  });

  it('prints with --dry-run exactly what the real run then prints, and no JSON plan on stdout', async () => {
    const { src, dst } = await changedPair();
    const dry = await runCli(['copy', '-n', '-i', src, dst]);
    expect(dry.code).toBe(0);
    expect(lines(dry.stdout)).toEqual(ITEMIZED);
    const real = await runCli(['copy', '-i', src, dst]);
    expect(real.stdout).toBe(dry.stdout);
  });

  it('prints the same lines, in the same walk order, in async, threads and procs modes', async () => {
    const outputs: string[] = [];
    for (const pool of [[], ['--threads', '2'], ['--procs', '2']]) {
      const { src, dst } = await changedPair();
      smallFiles(`${src}/many`, 300); // batches enough for workers to finish out of order
      const r = await runCli(['copy', '-i', '-c', '8', ...pool, src, dst]);
      expect(r.code, r.stderr).toBe(0);
      outputs.push(r.stdout);
    }
    const got = lines(outputs[0]);
    expect(got.filter((l) => !l.includes(' many/'))).toEqual(ITEMIZED);
    expect(got.filter((l) => l.includes(' many/'))).toHaveLength(1 + 1 + 3 + 300); // many/, d0/, d0/e0-e2/, files
    expect(got.indexOf('cd+++++++++ many/')).toBe(ITEMIZED.indexOf('.d..t...... sub/'));
    expect(outputs[1]).toBe(outputs[0]);
    expect(outputs[2]).toBe(outputs[0]);
  });

  it('lists --delete removals as *deleting, a folder after what it held', async () => {
    const { src, dst } = await changedPair();
    rmSync(`${src}/zz`, { recursive: true });
    utimesSync(src, T0 + 60, T0 + 60);
    const r = await runCli(['copy', '-i', '--delete', src, dst]);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual([...ITEMIZED, '*deleting   zz/q', '*deleting   zz/']);
  });

  it('shows unchanged entries too with -ii, with blank attributes', async () => {
    const { src, dst } = await changedPair();
    await runCli(['copy', '-q', src, dst]);
    const r = await runCli(['copy', '-ii', src, dst]);
    expect(lines(r.stdout)).toEqual([
      '.d          ./', '.f          a', '.f          b', '.f          c', '.f          d', '.L          l',
      '.d          sub/', '.f          sub/new', '.f          sub/s', '.d          zz/', '.f          zz/q',
    ]);
  });

  it('names owner and group changes as root', async (ctx) => {
    needsRoot(ctx, 'chown to another owner');
    const { src, dst } = await changedPair();
    await runCli(['copy', '-q', src, dst]);
    chownSync(`${src}/a`, 1234, 5678);
    chownSync(`${src}/b`, 0, 5678);
    const r = await runCli(['copy', '-i', src, dst]);
    expect(lines(r.stdout)).toEqual(['.f....og... a', '.f.....g... b']);
  });

  it('prints nothing with -q, whatever the order, as rsync -q, and no JSON plan in a dry run either', async () => {
    const { src, dst } = await changedPair();
    for (const args of [['-q', '-i'], ['-iq'], ['-i', '--quiet', '-v']]) {
      const r = await runCli(['copy', ...args, '-n', src, dst]);
      expect([r.code, r.stdout, r.stderr]).toEqual([0, '', '']);
    }
  });

  it('keeps the records for --log while the lines go to stdout', async () => {
    const { src, dst } = await changedPair();
    const log = `${base}/log-${n++}.jsonl`;
    const r = await runCli(['copy', '-n', '-i', '--log', log, src, dst]);
    expect(lines(r.stdout)).toEqual(ITEMIZED);
    const records = lines(spawnSync('cat', [log], { encoding: 'utf8' }).stdout).map((l) => JSON.parse(l) as { path: string; changes?: string[] });
    expect(records.find((x) => x.path === 'd')!.changes).toEqual(['size', 'time']);
  });

  it('stops at once, quietly and without temps, when the reader of the lines goes away (141, as SIGPIPE)', async () => {
    const src = `${base}/src-${n}`;
    const dst = `${base}/dst-${n++}`;
    smallFiles(src, 3000);
    const child = spawn(process.execPath, [BIN, 'copy', '-i', '-c', '4', src, dst], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy()); // `| head -1`
    const [code] = await new Promise<[number | null]>((resolve) => child.on('close', (c) => resolve([c])));
    expect(code).toBe(141);
    expect(stderr).toBe('');
    expect(tempNames(dst)).toEqual([]);
  });
});

describe('fanout copy -v', () => {
  it('prints the path of each entry written or created and of each folder fixed, not of a file whose mode alone changed', async () => {
    const { src, dst } = await changedPair();
    rmSync(`${src}/zz`, { recursive: true });
    utimesSync(src, T0 + 60, T0 + 60);
    const r = await runCli(['copy', '-v', '--delete', src, dst]);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual(['./', 'a', 'b', 'd', 'l', 'sub/', 'sub/new', 'deleting zz/q', 'deleting zz/']);
  });
});

describe('fanout copy -i against rsync -i', () => {
  it('prints the letters rsync -ai prints for the same changes (the symlink without rsync\'s -> target)', async (ctx) => {
    skipUnless(ctx, hasRsync, 'rsync is not installed');
    const { src, dst } = await changedPair();
    const twin = `${base}/twin-${n++}`;
    expect(spawnSync('cp', ['-a', dst, twin]).status).toBe(0);
    if (isRoot) chownSync(`${src}/a`, 1234, 5678);
    const ours = await runCli(['copy', '-i', src, dst]);
    const theirs = spawnSync('rsync', ['-ai', `${src}/`, `${twin}/`], { encoding: 'utf8' });
    expect(theirs.status, theirs.stderr).toBe(0);
    const rsyncLines = lines(theirs.stdout).map((l) => l.replace(/ -> .*$/, ''));
    expect(lines(ours.stdout)).toEqual(rsyncLines);
    if (isRoot) expect(rsyncLines).toContain('>f..t.og... a');
  });
});
