import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openOutput, type OutputOptions } from '../../../src/jobs/scrape/output.js';
import { CsvReader } from '../../../src/jobs/scrape/csv.js';
import type { ScrapeRecord } from '../../../src/jobs/scrape/record.js';

const dirs: string[] = [];
const track = (dir: string) => (dirs.push(dir), dir);
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const record = (index: number, extra: Partial<ScrapeRecord> = {}): ScrapeRecord => ({
  index, url: `http://a/${index}`, finalUrl: `http://a/${index}`, ok: true, status: 200, contentType: 'text/html',
  bytes: 10, title: `T, "${index}"`, description: null, attempts: 1, ms: 3, error: null, ...extra,
});

async function writeAll(format: OutputOptions['format'], records: ScrapeRecord[], extra: Partial<OutputOptions> = {}): Promise<string> {
  const file = join(track(await mkdtemp(join(tmpdir(), 'fanout-out-'))), 'out');
  const sink = await openOutput({ format, file, selectorNames: [], links: false, save: false, ...extra });
  for (const r of records) await sink.write(r);
  await sink.close();
  return readFile(file, 'utf8');
}

describe('openOutput', () => {
  it('writes one JSON object per line', async () => {
    const text = await writeAll('jsonl', [record(0), record(1)]);
    expect(text.split('\n').filter(Boolean).map((l) => JSON.parse(l).index)).toEqual([0, 1]);
  });

  it('writes a JSON array that parses, even when empty', async () => {
    expect(JSON.parse(await writeAll('json', [record(0), record(1)])).map((r: ScrapeRecord) => r.index)).toEqual([0, 1]);
    expect(JSON.parse(await writeAll('json', []))).toEqual([]);
  });

  it('writes CSV with a header, quoted fields, data columns and the input row joined back', async () => {
    const text = await writeAll(
      'csv',
      [record(0, { data: { price: '1,50' }, input: { id: '7', note: 'x' } }), record(1, { ok: false, error: { code: 'HTTP_STATUS', message: 'HTTP 404' }, input: { id: '8', note: 'y' } })],
      { selectorNames: ['price'] },
    );
    const rows = new CsvReader().push(text);
    expect(rows[0]).toEqual(['index', 'url', 'finalUrl', 'ok', 'status', 'contentType', 'bytes', 'title', 'description', 'attempts', 'ms', 'errorCode', 'errorMessage', 'data.price', 'id', 'note']);
    expect(rows[1]![7]).toBe('T, "0"');
    expect(rows[1]![13]).toBe('1,50');
    expect(rows[2]!.slice(11, 13)).toEqual(['HTTP_STATUS', 'HTTP 404']);
    expect(rows[2]!.slice(-2)).toEqual(['8', 'y']);
  });

  it('does not repeat the CSV header when appending to a resumed file', async () => {
    const text = await writeAll('csv', [record(3)], { headerWritten: true });
    expect(text.startsWith('3,')).toBe(true);
  });
});
