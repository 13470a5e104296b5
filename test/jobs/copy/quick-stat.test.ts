import { copyFileSync, linkSync, lstatSync, mkdirSync, readFileSync, renameSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { quickLstat, quickStatsInUse } from '../../../src/jobs/copy/quick-stat.js';
import { parseJsonl, runCli } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fanout quick-stat '));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FIELDS = ['dev', 'ino', 'mode', 'nlink', 'uid', 'gid', 'rdev', 'size', 'mtimeMs'] as const;
const TYPES = ['isFile', 'isDirectory', 'isSymbolicLink', 'isFIFO', 'isSocket', 'isBlockDevice', 'isCharacterDevice'] as const;

describe('quickLstat', () => {
  writeFileSync(join(dir, 'file'), 'twelve bytes');
  utimesSync(join(dir, 'file'), '1700000000.123456789', '1700000000.123456789');
  symlinkSync('file', join(dir, 'link'));
  mkdirSync(join(dir, 'folder'));

  it('reads lstats from Node\'s binding where fs.Stats builds its Dates with every call (Node 20), not elsewhere', () => {
    // Off is not wrong, only slower: this says so when a Node 20 release changes what the binding answers.
    const eager = Object.getOwnPropertyDescriptor(lstatSync(dir), 'mtime')?.value instanceof Date;
    if (process.versions.node.startsWith('20.')) expect(eager).toBe(true);
    expect(quickStatsInUse(join(dir, 'file'))).toBe(eager);
  });

  it.each(['file', 'link', 'folder', '/dev/null'])('gives what fs.lstatSync gives for %s, its type included', (name) => {
    const path = name.startsWith('/') ? name : join(dir, name);
    const real = lstatSync(path);
    const quick = quickLstat(path)!;
    for (const f of FIELDS) expect(quick[f], f).toBe(real[f]);
    for (const t of TYPES) expect(quick[t](), t).toBe(real[t]());
  });

  it('answers undefined for a missing entry, and throws what fs.lstatSync throws for a path through a file', () => {
    expect(quickLstat(join(dir, 'missing'))).toBeUndefined();
    expect(() => quickLstat(join(dir, 'file', 'below'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });

  it('never reads a path cut at a NUL byte: refused as fs.lstatSync refuses it', () => {
    expect(() => quickLstat(`${join(dir, 'file')}\0ignored`)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });
});

describe('a re-run with pending deprecations on', () => {
  it.each([
    ['NODE_OPTIONS=--pending-deprecation', { NODE_OPTIONS: '--pending-deprecation' }],
    ['NODE_PENDING_DEPRECATION=1', { NODE_PENDING_DEPRECATION: '1' }],
    ['NODE_OPTIONS=--pending_deprecation', { NODE_OPTIONS: '--pending_deprecation' }],
  ])('prints no deprecation warning and still skips what is up to date (%s)', async (_, env) => {
    const src = mkdtempSync(join(dir, 'src-'));
    const dst = join(dir, `dst-${src.slice(-6)}`);
    for (let i = 0; i < 5; i++) writeFileSync(join(src, `f${i}`), `data ${i}\n`);
    const first = await runCli(['copy', src, dst, '--threads', '2'], { env });
    expect(first.code, first.stderr).toBe(0);
    writeFileSync(join(src, 'f3'), 'data 3, changed\n');
    const log = join(dir, `log-${src.slice(-6)}.jsonl`);
    const again = await runCli(['copy', src, dst, '--threads', '2', '--log', log], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/Deprecation|DEP0/);
    const actions = Object.fromEntries(parseJsonl<{ path: string; action: string }>(readFileSync(log, 'utf8')).map((r) => [r.path, r.action]));
    expect(actions).toEqual({ '.': 'skip', f0: 'skip', f1: 'skip', f2: 'skip', f3: 'copy', f4: 'skip' });
  });
});

describe('the quick check on a re-run', () => {
  it.each([[[] as string[]], [['--threads', '2']], [['--procs', '2']]])(
    'relinks a hard link that was replaced by a copy of the same size, time and mode (%j)',
    async (mode) => {
      const src = mkdtempSync(join(dir, 'links-'));
      const dst = `${src}-copy`;
      writeFileSync(join(src, 'a'), 'linked data\n');
      linkSync(join(src, 'a'), join(src, 'b'));
      const first = await runCli(['copy', src, dst, ...mode]);
      expect(first.code, first.stderr).toBe(0);
      expect(lstatSync(join(dst, 'b')).ino).toBe(lstatSync(join(dst, 'a')).ino);
      // b becomes a file of its own, equal to a in size, mtime and mode: only the link count tells them apart.
      copyFileSync(join(dst, 'a'), join(dst, 'b.new'));
      const { atime, mtime } = lstatSync(join(dst, 'a'));
      utimesSync(join(dst, 'b.new'), atime, mtime);
      renameSync(join(dst, 'b.new'), join(dst, 'b'));
      expect(lstatSync(join(dst, 'b')).ino).not.toBe(lstatSync(join(dst, 'a')).ino);
      const log = `${src}.jsonl`;
      const again = await runCli(['copy', src, dst, '--log', log, ...mode]);
      expect(again.code, again.stderr).toBe(0);
      const actions = Object.fromEntries(parseJsonl<{ path: string; action: string }>(readFileSync(log, 'utf8')).map((r) => [r.path, r.action]));
      expect(actions.b).toBe('link');
      expect(lstatSync(join(dst, 'b')).ino).toBe(lstatSync(join(dst, 'a')).ino);
    },
  );
});
