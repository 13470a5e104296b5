import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PassThrough } from 'node:stream';
import { readInput, countInput } from '../../../src/jobs/scrape/input.js';

const dirs: string[] = [];
const track = (dir: string) => (dirs.push(dir), dir);
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function tempFile(name: string, data: string | Buffer): Promise<string> {
  const dir = track(await mkdtemp(join(tmpdir(), 'fanout-input-')));
  const path = join(dir, name);
  await writeFile(path, data);
  return path;
}

describe('readInput', () => {
  it('trims lines and skips blank lines and # comments, keeping every other line', async () => {
    const path = await tempFile('urls.txt', '  http://a/1  \n\n# a comment\nnot a url\r\n\t\nhttp://a/2');
    expect(await collect(readInput({ source: path }))).toEqual([{ url: 'http://a/1' }, { url: 'not a url' }, { url: 'http://a/2' }]);
  });

  it('reads gzip-compressed lists whatever their name', async () => {
    const path = await tempFile('urls.data', gzipSync('http://a/1\nhttp://a/2\n'));
    expect(await collect(readInput({ source: path }))).toEqual([{ url: 'http://a/1' }, { url: 'http://a/2' }]);
  });

  it('reads stdin as it arrives, so a pipe works', async () => {
    const stdin = new PassThrough();
    const it = readInput({ source: '-', stdin })[Symbol.asyncIterator]();
    stdin.write('http://a/1\n');
    expect((await it.next()).value).toEqual({ url: 'http://a/1' }); // before the pipe is closed
    stdin.end('http://a/2\n');
    expect((await it.next()).value).toEqual({ url: 'http://a/2' });
    expect((await it.next()).done).toBe(true);
  });

  it('joins CSV rows to their URL column and keeps the other fields as input', async () => {
    const path = await tempFile('sheet.csv', 'id,link,note\n1,http://a/1,"hello, world"\n2, http://a/2 ,"multi\nline ""quoted"""\n');
    expect(await collect(readInput({ source: path, column: 'link' }))).toEqual([
      { url: 'http://a/1', input: { id: '1', note: 'hello, world' } },
      { url: 'http://a/2', input: { id: '2', note: 'multi\nline "quoted"' } },
    ]);
  });

  it('finds a quoted header after a UTF-8 BOM, as spreadsheets export it', async () => {
    const path = await tempFile('sheet.csv', '\uFEFF"url","note"\r\n"http://a/1","x"\r\n');
    expect(await collect(readInput({ source: path, column: 'url' }))).toEqual([{ url: 'http://a/1', input: { note: 'x' } }]);
  });

  it('rejects a CSV without the named column with a clear error', async () => {
    const path = await tempFile('sheet.csv', 'id,url\n1,http://a\n');
    await expect(collect(readInput({ source: path, column: 'link' }))).rejects.toMatchObject({
      code: 'INPUT_UNREADABLE',
      message: expect.stringContaining("no column 'link'"),
    });
  });

  it('says a missing file is missing', async () => {
    await expect(collect(readInput({ source: '/nonexistent/urls.txt' }))).rejects.toMatchObject({
      code: 'INPUT_UNREADABLE',
      message: 'input file not found: /nonexistent/urls.txt',
    });
  });

  it('says a directory is a directory, naming it, before reading anything', async () => {
    const dir = track(await mkdtemp(join(tmpdir(), 'fanout-input-')));
    await expect(collect(readInput({ source: dir }))).rejects.toMatchObject({
      code: 'INPUT_UNREADABLE',
      message: `cannot read ${dir}: it is a directory, not a list of URLs`,
    });
  });

  const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16();
  const urls = 'http://a/1\r\nhttp://a/\u00e9t\u00e9\r\n';
  it.each([
    ['UTF-16LE with a BOM', Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from(urls, 'utf16le')])],
    ['UTF-16BE with a BOM', Buffer.concat([Buffer.of(0xfe, 0xff), utf16be(urls)])],
    ['UTF-8 with a BOM', Buffer.concat([Buffer.of(0xef, 0xbb, 0xbf), Buffer.from(urls)])],
    ['gzip of UTF-16LE with a BOM', gzipSync(Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from(urls, 'utf16le')]))],
  ])('reads a list in %s', async (_name, bytes) => {
    const expected = [{ url: 'http://a/1' }, { url: 'http://a/\u00e9t\u00e9' }];
    expect(await collect(readInput({ source: await tempFile('urls.txt', bytes) }))).toEqual(expected);
    // The same bytes one at a time through stdin: a BOM, a character or a byte pair split across chunks.
    const stdin = new PassThrough();
    const pending = collect(readInput({ source: '-', stdin }));
    for (const b of bytes) stdin.write(Buffer.of(b));
    stdin.end();
    expect(await pending).toEqual(expected);
  });

  it('reads a UTF-16 CSV sheet (what spreadsheets export as "Unicode text") by its columns', async () => {
    const path = await tempFile('sheet.csv', Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from('id,url\r\n1,http://a/1\r\n', 'utf16le')]));
    expect(await collect(readInput({ source: path, column: 'url' }))).toEqual([{ url: 'http://a/1', input: { id: '1' } }]);
  });

  it.each([
    ['a binary file', Buffer.concat([Buffer.from('\x7fELF\x02\x01\x01'), Buffer.alloc(64), Buffer.from('/lib64/ld-linux')]), 'holds NUL bytes'],
    ['UTF-16LE without a BOM', Buffer.from('http://a/1\n', 'utf16le'), 'looks like UTF-16LE text without a byte-order mark'],
    ['UTF-16BE without a BOM', utf16be('http://a/1\n'), 'iconv -f UTF-16BE -t UTF-8'],
  ])('refuses %s as not a text list, naming it, instead of a record per garbage line', async (_name, bytes, why) => {
    const path = await tempFile('urls.txt', bytes);
    await expect(collect(readInput({ source: path }))).rejects.toMatchObject({
      code: 'INPUT_UNREADABLE',
      message: expect.stringMatching(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a text list of URLs: .*${why.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)),
    });
  });

  it('counts the items of a file for progress, and none for stdin', async () => {
    const path = await tempFile('urls.txt', 'a\n\nb\n# c\nd\n');
    expect(await countInput({ source: path })).toBe(3);
    expect(await countInput({ source: '-' })).toBeNull();
  });
});
