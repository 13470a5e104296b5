/**
 * `fanout scrape` killed (SIGKILL) in the middle of a write itself, not between records (fixtures/tear-write.ts
 * writes the first half of a chosen write, then kills the run), in every mode: an -o file (jsonl, csv) holds at most
 * one torn last line and `--resume` ends it as an uninterrupted run's; a --save body torn in its temp is never
 * under a final name and the resumed run saves it (one torn beside its final name, in a folder on another mount, is
 * removed by the resumed run); a --cookie-jar torn while written leaves the old jar whole.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCookieSite, type CookieSite } from '../../../fixtures/cookie-site.js';
import { startSiteServer, type SiteServer } from '../../../fixtures/site-server.js';
import { CsvReader } from '../../../src/jobs/scrape/csv.js';
import { parseJsonl, preloading, runCli, stable, writeList } from '../../helpers/cli.js';
import { skipUnless } from '../../helpers/needs.js';
import { canMountTmpfs } from '../copy/scratch.js';

let site: SiteServer;
let cookies: CookieSite;
let dir: string;
let list: string;
let urls: string[];
let n = 0;
const URLS = 40;
const MODES = [[], ['--threads', '2'], ['--procs', '2']];
const modeName = (mode: string[]) => mode.join(' ') || 'async';

beforeAll(async () => {
  [site, cookies] = await Promise.all([startSiteServer({ hosts: 1, latencyMs: 5, log: false }), startCookieSite()]);
  dir = await mkdtemp(join(tmpdir(), 'fanout torn write '));
  urls = Array.from({ length: URLS }, (_, i) => (i % 13 === 5 ? `${site.url}/status/404` : `${site.url}/page/torn/${i}`));
  list = await writeList(dir, 'list.txt', urls);
});
afterAll(async () => {
  await Promise.all([site.close(), cookies.close()]);
  await rm(dir, { recursive: true, force: true });
});

/** A fresh folder for one case. */
function caseDir(): string {
  const d = join(dir, `case ${++n}`);
  mkdirSync(d);
  return d;
}

/** Runs the CLI with the write to a path containing `part` torn at its `at`-th write; returns the torn path. */
async function tornRun(args: string[], part: string, at: number): Promise<string> {
  const report = join(dir, `torn ${++n}`);
  const r = await runCli(args, { env: preloading('tear-write', { TEAR_WRITE_PATH: part, TEAR_WRITE_AT: String(at), TEAR_WRITE_FILE: report }) });
  expect(r.signal, `killed mid-write: ${r.stderr}`).toBe('SIGKILL');
  return readFileSync(report, 'utf8');
}

interface Rec {
  index: number;
  ok: boolean;
  ms?: number;
  savedAs?: string | null;
}

/** The records of an uninterrupted run, by format, made once. */
const reference = new Map<string, Promise<string>>();
function uninterrupted(format: 'jsonl' | 'csv'): Promise<string> {
  if (!reference.has(format)) {
    const out = join(dir, `reference.${format}`);
    reference.set(format, runCli(['scrape', list, '-o', out, '-c', '4', '-q']).then((r) => {
      expect(r.code).toBe(1); // the 404s
      return readFileSync(out, 'utf8');
    }));
  }
  return reference.get(format)!;
}

/** CSV rows but the header, sorted by index, the ms column left out. */
function csvRows(text: string): string[][] {
  const rows = new CsvReader().push(text);
  const ms = rows[0]!.indexOf('ms');
  return rows.slice(1).map((row) => row.filter((_, i) => i !== ms)).sort((a, b) => Number(a[0]) - Number(b[0]));
}

const byIndex = (records: Rec[]) => stable(records).sort((a, b) => a.index - b.index);

/** Every line before the last newline is a whole record; what follows it, if anything, is the start of one. */
function expectAtMostOneTornLine(text: string, format: 'jsonl' | 'csv'): void {
  const cut = text.lastIndexOf('\n') + 1;
  const whole = text.slice(0, cut);
  const tail = text.slice(cut);
  if (format === 'jsonl') {
    for (const line of whole.split('\n').slice(0, -1)) expect(() => JSON.parse(line), line).not.toThrow();
    const start = '{"index":';
    if (tail !== '') expect(start.startsWith(tail) || tail.startsWith(start), `the torn tail is the start of a record: ${tail}`).toBe(true);
  } else {
    const rows = new CsvReader().push(whole);
    expect(rows[0]![0]).toBe('index');
    for (const row of rows.slice(1)) expect(row).toHaveLength(rows[0]!.length);
    if (tail !== '') expect(tail, 'the torn tail is the start of a row').toMatch(/^\d/);
  }
}

describe('fanout scrape -o killed in the middle of a write, then --resume', () => {
  for (const mode of MODES) {
    for (const format of ['jsonl', 'csv'] as const) {
      it(`[${modeName(mode)}] ${format}: the file holds at most one torn last line, and the resumed file equals an uninterrupted run's`, async () => {
        const d = caseDir();
        const out = join(d, `out.${format}`);
        const torn = await tornRun(['scrape', list, '-o', out, '-c', '4', '-q', ...mode], `out.${format}`, 3);
        expect(torn).toBe(out);
        const killed = readFileSync(out, 'utf8');
        expectAtMostOneTornLine(killed, format);

        const again = await runCli(['scrape', list, '-o', out, '-c', '4', '--resume', '-q', ...mode]);
        expect(again.stderr).toBe('');
        expect(again.code).toBe(1); // the 404s, from either run
        const text = readFileSync(out, 'utf8');
        const want = await uninterrupted(format);
        if (format === 'jsonl') expect(byIndex(parseJsonl<Rec>(text))).toEqual(byIndex(parseJsonl<Rec>(want)));
        else expect(csvRows(text)).toEqual(csvRows(want));
      }, 30_000);
    }
  }
});

/** Every file under `root` but fanout's temp folder, relative. */
const savedFiles = (root: string) =>
  readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.parentPath.includes('.fanout#tmp'))
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1));

describe('fanout scrape --save killed in the middle of writing a body, then --resume', () => {
  for (const mode of MODES) {
    it(`[${modeName(mode)}] no body is partial under a final name, no temp is left after the resume, and every ok record's body is whole`, async () => {
      const d = caseDir();
      const out = join(d, 'out.jsonl');
      const save = join(d, 'saved pages');
      const bodies = new Set(await Promise.all(urls.map(async (u) => (await fetch(u)).text())));
      const torn = await tornRun(['scrape', list, '-o', out, '--save', save, '-c', '4', '-q', ...mode], '.fanout#tmp/', 2);
      expect(torn).toContain(join(save, '.fanout#tmp'));
      for (const rel of savedFiles(save)) expect(bodies.has(readFileSync(join(save, rel), 'utf8')), `${rel} is a whole body`).toBe(true);
      expectAtMostOneTornLine(readFileSync(out, 'utf8'), 'jsonl');

      const again = await runCli(['scrape', list, '-o', out, '--save', save, '-c', '4', '--resume', '-q', ...mode]);
      expect(again.stderr).toBe('');
      expect(again.code).toBe(1);
      const records = parseJsonl<Rec & { url: string }>(readFileSync(out, 'utf8'));
      expect(records.map((r) => r.index).sort((a, b) => a - b)).toEqual(urls.map((_, i) => i));
      for (const r of records) {
        if (!r.ok) continue; // a 404's body is not saved
        expect(r.savedAs, `record ${r.index} saved`).toBeTruthy();
        expect(readFileSync(join(save, r.savedAs!), 'utf8')).toBe(await (await fetch(r.url)).text());
      }
      expect(readdirSync(join(save, '.fanout#tmp'))).toEqual([]);
    }, 30_000);
  }
});

describe('fanout scrape --save into a folder on another mount (no hard link across) killed in the middle of writing a body', () => {
  const canMount = canMountTmpfs();
  for (const mode of MODES) {
    it(`[${modeName(mode)}] the body torn beside its final name is never under it, and the resumed run removes it`, async (ctx) => {
      skipUnless(ctx, canMount, 'needs root allowed to mount a tmpfs (another mount)');
      const d = caseDir();
      const out = join(d, 'out.jsonl');
      const save = join(d, 'saved pages');
      const host = join(save, new URL(site.url).host.replace(':', '#'));
      mkdirSync(host, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', host]);
      try {
        const bodies = new Set(await Promise.all(urls.map(async (u) => (await fetch(u)).text())));
        const torn = await tornRun(['scrape', list, '-o', out, '--save', save, '-c', '4', '-q', ...mode], '/.fanout#tmp.', 2);
        expect(torn.startsWith(host)).toBe(true);
        const finals = savedFiles(save).filter((rel) => !rel.split('/').pop()!.startsWith('.fanout#tmp.'));
        for (const rel of finals) expect(bodies.has(readFileSync(join(save, rel), 'utf8')), `${rel} is a whole body`).toBe(true);

        const again = await runCli(['scrape', list, '-o', out, '--save', save, '-c', '4', '--resume', '-q', ...mode]);
        expect(again.stderr).toBe('');
        expect(again.code).toBe(1);
        expect(existsSync(torn), 'the torn temp is removed').toBe(false);
        const records = parseJsonl<Rec & { url: string }>(readFileSync(out, 'utf8'));
        expect(records.map((r) => r.index).sort((a, b) => a - b)).toEqual(urls.map((_, i) => i));
        for (const r of records) if (r.ok) expect(readFileSync(join(save, r.savedAs!), 'utf8')).toBe(await (await fetch(r.url)).text());
      } finally {
        execFileSync('umount', ['-l', host]);
      }
    }, 30_000);
  }
});

/** The cookie lines of a jar file (its comments left out). */
const cookieLines = (text: string) => text.split('\n').filter((l) => l && !l.startsWith('# '));

describe('fanout scrape --cookie-jar killed in the middle of writing the jar', () => {
  for (const mode of MODES) {
    it(`[${modeName(mode)}] the jar holds the old cookies, whole, and the re-run writes the new jar and removes the torn temp`, async () => {
      const d = caseDir();
      const jar = join(d, 'jar.txt');
      const old = '# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\told\t1\n';
      writeFileSync(jar, old);
      const jarList = await writeList(d, 'list.txt', [`${cookies.url}/login`, `${cookies.url}/page`]);
      const args = ['scrape', jarList, '-o', join(d, 'out.jsonl'), '-b', jar, '--cookie-jar', jar, '-q', ...mode];
      const torn = await tornRun(args, '.jar.txt.fanout-', 1);
      expect(torn).toMatch(/\.jar\.txt\.fanout-\d+\.tmp$/);
      expect(readFileSync(jar, 'utf8')).toBe(old);
      expect(existsSync(torn), 'the torn temp is beside the jar, never under its name').toBe(true);

      const again = await runCli(args);
      expect(again.stderr).toBe('');
      expect(again.code).toBe(0);
      expect(cookieLines(readFileSync(jar, 'utf8')).sort()).toEqual(['127.0.0.1\tFALSE\t/\tFALSE\t0\told\t1', '127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc']);
      expect(readdirSync(d).sort()).toEqual(['jar.txt', 'list.txt', 'out.jsonl']);
    }, 30_000);
  }
});
