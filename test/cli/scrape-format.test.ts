import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSiteServer, type SiteServer } from '../../fixtures/site-server.js';
import { parseJsonl, runCli, writeList } from '../helpers/cli.js';
import { CsvReader } from '../../src/jobs/scrape/csv.js';

let site: SiteServer;
let dir: string;
let input: string;
beforeAll(async () => {
  site = await startSiteServer({ hosts: 1 });
  dir = await mkdtemp(join(tmpdir(), 'fanout scrape format '));
  input = await writeList(dir, 'urls.txt', [`${site.url}/page/f0`, `${site.url}/page/f1`]);
});
afterAll(async () => {
  await site.close();
  await rm(dir, { recursive: true, force: true });
});

describe('fanout scrape -o FILE without --format', () => {
  it('writes CSV to a .csv file, a JSON array to a .json file, JSON Lines to .jsonl and .ndjson files', async () => {
    const runs = await Promise.all(['out.csv', 'OUT.JSON', 'out.jsonl', 'out.ndjson'].map((name) => runCli(['scrape', input, '-o', join(dir, name), '--quiet'])));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const csv = new CsvReader().push(await readFile(join(dir, 'out.csv'), 'utf8'));
    expect(csv[0]!.slice(0, 3)).toEqual(['index', 'url', 'finalUrl']);
    expect(csv.slice(1).map((row) => row[1])).toEqual([`${site.url}/page/f0`, `${site.url}/page/f1`]);
    const array = JSON.parse(await readFile(join(dir, 'OUT.JSON'), 'utf8')) as { title: string }[];
    expect(array.map((r) => r.title)).toEqual(['Page /page/f0', 'Page /page/f1']);
    for (const name of ['out.jsonl', 'out.ndjson']) {
      expect(parseJsonl<{ title: string }>(await readFile(join(dir, name), 'utf8')).map((r) => r.title)).toEqual(['Page /page/f0', 'Page /page/f1']);
    }
  });

  it('writes JSON Lines to a file whose extension names no format, and follows --format there', async () => {
    const [plain, csv] = await Promise.all([
      runCli(['scrape', input, '-o', join(dir, 'records.txt'), '--quiet']),
      runCli(['scrape', input, '-o', join(dir, 'records.out'), '--format', 'csv', '--quiet']),
    ]);
    expect([plain.code, csv.code]).toEqual([0, 0]);
    expect(parseJsonl(await readFile(join(dir, 'records.txt'), 'utf8'))).toHaveLength(2);
    expect((await readFile(join(dir, 'records.out'), 'utf8')).split('\n')[0]).toMatch(/^index,url,/);
  });

  it('resumes a .csv file as CSV', async () => {
    const out = join(dir, 'resumed.csv');
    expect((await runCli(['scrape', input, '-o', out, '--quiet'])).code).toBe(0);
    const whole = await readFile(out, 'utf8');
    await writeFile(out, whole.split('\n').slice(0, 2).join('\n') + '\n'); // the header and the first row
    expect((await runCli(['scrape', input, '-o', out, '--resume', '--quiet'])).code).toBe(0);
    const rows = new CsvReader().push(await readFile(out, 'utf8'));
    expect(rows.map((row) => row[0])).toEqual(['index', '0', '1']);
  });
});

describe('fanout scrape --format that contradicts -o', () => {
  it.each([
    ['jsonl', 'x.csv', 'csv'],
    ['csv', 'x.json', 'json'],
    ['json', 'x.ndjson', 'jsonl'],
  ])('refuses --format %s -o %s with one line and exit 2, before any request or file', async (format, name, implied) => {
    site.reset();
    const out = join(dir, name);
    const r = await runCli(['scrape', input, '-o', out, '--format', format]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`fanout: --format ${format} contradicts -o ${out}, whose .${name.split('.')[1]} extension means ${implied}: drop --format, or name the file for ${format} (see 'fanout scrape --help')\n`);
    expect(existsSync(out)).toBe(false);
    expect(site.log).toHaveLength(0);
  });
});
