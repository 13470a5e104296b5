import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IndexSet, readResumeState } from '../../../src/jobs/scrape/resume.js';

const dirs: string[] = [];
const track = (dir: string) => (dirs.push(dir), dir);
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function tempFile(data: string): Promise<string> {
  const path = join(track(await mkdtemp(join(tmpdir(), 'fanout-resume-'))), 'out');
  await writeFile(path, data);
  return path;
}

describe('readResumeState', () => {
  it('finds the indices a JSON Lines file holds and cuts off a torn last line', async () => {
    const path = await tempFile('{"index":0,"url":"a"}\n{"index":1,"url":"b"}\n{"index":2,"ur');
    const state = await readResumeState(path, 'jsonl');
    expect([0, 1, 2].map((i) => state.done.has(i))).toEqual([true, true, false]);
    expect(await readFile(path, 'utf8')).toBe('{"index":0,"url":"a"}\n{"index":1,"url":"b"}\n');
  });

  it('handles CSV with a header and quoted newlines, and cuts a torn row', async () => {
    const path = await tempFile('index,url,title\n0,a,"two\nlines"\n1,b,x\n2,c,"torn');
    const state = await readResumeState(path, 'csv');
    expect(state.headerWritten).toBe(true);
    expect(state.done.size).toBe(2);
    expect(await readFile(path, 'utf8')).toBe('index,url,title\n0,a,"two\nlines"\n1,b,x\n');
  });

  it('cuts a tail of NUL bytes, as a power cut can leave', async () => {
    const path = await tempFile('{"index":0,"url":"a"}\n\0\0\0\0');
    expect((await readResumeState(path, 'jsonl')).done.size).toBe(1);
    expect(await readFile(path, 'utf8')).toBe('{"index":0,"url":"a"}\n');
  });

  it.each([
    ['jsonl', 'my notes\n{"index":0,"url":"a"}\n', 'line 1 is not a record'],
    ['jsonl', '{"index":0,"url":"a"}\nnot a record, no newline', 'its last line is not a record'],
    ['csv', '{"index":0,"url":"a"}\n', 'line 1 is not a record'], // a jsonl file resumed without --format jsonl
    ['csv', 'index,url\n0,a\nnotes', 'its last line is not a record'],
  ] as const)('refuses a %s file that is not its own output, and cuts nothing: %j', async (format, text, why) => {
    const path = await tempFile(text);
    await expect(readResumeState(path, format)).rejects.toMatchObject({ code: 'RESUME_MISMATCH', message: expect.stringContaining(why) });
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  const rec = (i: unknown) => `{"index":${JSON.stringify(i)},"url":"u${String(i)}","ok":true}\n`;
  it.each([
    ['jsonl', [0, 1, 2, 1, 3].map(rec).join(''), 'line 4 repeats index 1'],
    ['jsonl', rec(0) + rec(-1), 'line 2 has index -1'],
    ['jsonl', rec(0) + rec(1.5), 'line 2 has index 1.5'],
    ['jsonl', rec(0) + rec('1'), 'line 2 has index "1"'],
    ['jsonl', rec(0) + rec(1e300), 'line 2 has index 1e+300'],
    ['csv', 'index,url,finalUrl,ok\n0,a,,true\n1,b,,true\n0,a,,true\n', 'line 4 repeats index 0'],
    ['csv', 'index,url,finalUrl,ok\n0,a,,true\n,b,,true\n', 'line 3 has index ""'],
    ['csv', 'index,url,finalUrl,ok\n0,a,,true\n-2,b,,true\n', 'line 3 has index "-2"'],
  ] as const)('refuses a %s file whose indices are not a set of whole numbers, naming the line, and cuts nothing: %j', async (format, text, why) => {
    const path = await tempFile(text);
    await expect(readResumeState(path, format)).rejects.toMatchObject({ code: 'RESUME_MISMATCH', message: expect.stringContaining(why) });
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  it('accepts the indices of an --unordered run, gaps and any order, as long as each is there once', async () => {
    const path = await tempFile([3, 0, 7, 1].map(rec).join(''));
    const state = await readResumeState(path, 'jsonl');
    expect([0, 1, 2, 3, 7].map((i) => state.done.has(i))).toEqual([true, true, false, true, true]);
  });

  it('refuses to resume a directory, saying so', async () => {
    const dir = track(await mkdtemp(join(tmpdir(), 'fanout-resume-')));
    await expect(readResumeState(dir, 'jsonl')).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('is a directory') });
  });

  it('treats a missing file as nothing done', async () => {
    const state = await readResumeState('/tmp/does-not-exist-fanout', 'jsonl');
    expect(state.done.size).toBe(0);
  });

  it('refuses a JSON array output', async () => {
    await expect(readResumeState('/tmp/x', 'json')).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('IndexSet', () => {
  it('grows to hold large indices and counts each once', () => {
    const s = new IndexSet();
    s.add(5);
    s.add(5);
    s.add(1_000_000);
    expect([s.has(5), s.has(6), s.has(1_000_000), s.size]).toEqual([true, false, true, 2]);
  });
});
