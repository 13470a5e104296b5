/** --include/--exclude patterns match as rsync's do (glob.ts), and pattern files are read as rsync reads them. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copy } from '../../../src/jobs/copy/copy.js';
import { compileGlob } from '../../../src/jobs/copy/glob.js';
import { scratch, type Scratch } from './scratch.js';

const file = (pattern: string, rel: string) => compileGlob(pattern).test(rel, false);
const dir = (pattern: string, rel: string) => compileGlob(pattern).test(rel, true);

describe('a glob', () => {
  it('without a slash matches a name at any depth', () => {
    expect(file('*.log', 'a.log')).toBe(true);
    expect(file('*.log', 'x/y/a.log')).toBe(true);
    expect(file('*.log', 'x.log/a.txt')).toBe(false);
    expect(file('a?c', 'q/abc')).toBe(true);
  });

  it('with a slash inside matches the end of the path at any depth, on a folder boundary', () => {
    expect(file('b/c.txt', 'b/c.txt')).toBe(true);
    expect(file('b/c.txt', 'a/b/c.txt')).toBe(true);
    expect(file('b/c.txt', 'ab/c.txt')).toBe(false);
    expect(file('b/*.txt', 'a/b/x/c.txt')).toBe(false); // `*` never crosses a folder
  });

  it('starting with a slash is anchored at SRC', () => {
    expect(file('/b/c.txt', 'b/c.txt')).toBe(true);
    expect(file('/b/c.txt', 'a/b/c.txt')).toBe(false);
    expect(file('/top.txt', 'top.txt')).toBe(true);
    expect(file('/top.txt', 'd/top.txt')).toBe(false);
  });

  it('crosses folders with **, and **/ also matches no folder at all', () => {
    expect(file('a/**/z', 'a/z')).toBe(true);
    expect(file('a/**/z', 'a/b/c/z')).toBe(true);
    expect(file('/a/**', 'a/b/c')).toBe(true);
    expect(file('cache**', 'x/cache/y/z')).toBe(true);
  });

  it('ending with a slash matches directories only; /*** matches the directory and all it holds', () => {
    expect(dir('build/', 'x/build')).toBe(true);
    expect(file('build/', 'x/build')).toBe(false);
    expect(dir('/out/***', 'out')).toBe(true);
    expect(file('/out/***', 'out/a/b')).toBe(true);
    expect(file('/out/***', 'outer')).toBe(false);
  });

  it('takes a character class, and a backslash makes a wildcard literal', () => {
    expect(file('[ab].txt', 'a.txt')).toBe(true);
    expect(file('[!ab].txt', 'a.txt')).toBe(false);
    expect(file('\\*.txt', '*.txt')).toBe(true);
    expect(file('\\*.txt', 'a.txt')).toBe(false);
  });
});

describe('copy with pattern files', () => {
  let area: Scratch;
  beforeAll(() => {
    area = scratch('fanout glob test ', '16m');
  });
  afterAll(() => area.remove());

  it('leaves out what --exclude-from lists, skipping comments and blank lines, and keeps what --include-from lists', async () => {
    const src = `${area.dir}/src`;
    for (const d of ['a/build', 'a/keep', 'build']) mkdirSync(`${src}/${d}`, { recursive: true });
    for (const f of ['a/build/x.o', 'a/keep/y.log', 'a/keep/y.txt', 'build/z', 'top.log', '#odd']) writeFileSync(`${src}/${f}`, f);
    writeFileSync(`${area.dir}/ex`, '# build output\n\nbuild/\r\n*.log\n;another comment\n');
    writeFileSync(`${area.dir}/in`, 'keep/*.log\n');
    const dst = `${area.dir}/dst`;
    const s = await copy({ src, dst, excludeFrom: [`${area.dir}/ex`], includeFrom: [`${area.dir}/in`] });
    expect(s.failed).toBe(0);
    expect(existsSync(`${dst}/a/build`)).toBe(false);
    expect(existsSync(`${dst}/build`)).toBe(false);
    expect(existsSync(`${dst}/top.log`)).toBe(false);
    expect(existsSync(`${dst}/a/keep/y.log`)).toBe(true);
    expect(existsSync(`${dst}/a/keep/y.txt`)).toBe(true);
    expect(existsSync(`${dst}/#odd`)).toBe(true);
  });

  it('refuses a pattern file it cannot read, before anything is written', async () => {
    const src = `${area.dir}/src2`;
    mkdirSync(src);
    const dst = `${area.dir}/never`;
    await expect(copy({ src, dst, excludeFrom: [`${area.dir}/no such file`] })).rejects.toMatchObject({ code: 'PATTERN_FILE_UNREADABLE' });
    expect(existsSync(dst)).toBe(false);
  });
});
