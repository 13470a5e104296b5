import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cheerio from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runComparison } from '../../../src/compare/comparison.js';
import type { Comparison } from '../../../src/compare/model.js';
import { separation } from '../../../src/compare/stats.js';
import { expandStrategies } from '../../../src/compare/strategy.js';
import { renderTerminal } from '../../../src/compare/report/terminal.js';
import { REPORT_FILES, writeReports } from '../../../src/compare/report/write.js';
import { fakeJob } from '../fake-job.js';

const IDS = ['async', 'threads:1', 'threads:2', 'procs:1'];
let c: Comparison;
let dir: string;
const read = (name: string) => readFileSync(join(dir, name), 'utf8');

beforeAll(async () => {
  // procs:1 silently drops an item: a fast wrong answer the gate must catch.
  const args = ['20', '--sleep-ms', 'async=120,threads=40,procs=40', '--drop', 'procs:1'];
  c = await runComparison({
    ...fakeJob(...args),
    strategies: expandStrategies(['async', 'threads', 'procs'], [1, 2]).filter((s) => IDS.includes(s.id)),
    runs: 2,
    warmup: 1,
    workload: { job: 'fake', args, description: 'fake job, 20 items <b>bold</b>', notes: ['a note'] },
  });
  dir = mkdtempSync(join(tmpdir(), 'fanout-report-'));
  writeReports(c, dir);
}, 120_000); // a safety net: twelve fresh job processes took ~10 s on a loaded 2-core machine, a third of the default 30 s
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reports', () => {
  it('catches the strategy that drops an item: flagged, not ranked, and named in the warnings', () => {
    const procs = c.strategies.find((s) => s.id === 'procs:1')!;
    expect(procs.correctness.status).toBe('differs');
    expect(procs.correctness.detail).toContain('ok 19 vs 20');
    expect(procs.rank).toBeNull();
    expect(c.strategies.filter((s) => s.rank !== null).map((s) => s.rank).sort()).toEqual([1, 2, 3]);
    expect(c.warnings.some((w) => w.code === 'RESULT_DIFFERS' && w.strategy === 'procs:1')).toBe(true);
    expect(c.warnings.some((w) => w.code === 'TOO_FEW_RUNS')).toBe(true);
  });

  it('writes all four files into the report directory', () => {
    expect(REPORT_FILES.map((f) => read(f).length > 0)).toEqual([true, true, true, true]);
  });

  it('keeps every raw sample, the environment and the workload in report.json', () => {
    const json = JSON.parse(read('report.json'));
    expect(json.schema).toBe('fanout-compare/1');
    expect(json.samples).toHaveLength(IDS.length * 3);
    expect(json.samples.filter((s: { warmup: boolean }) => s.warmup)).toHaveLength(IDS.length);
    expect(json.samples[0]).toMatchObject({ strategy: 'async', wallMs: expect.any(Number), userMs: expect.any(Number), job: { items: 20 } });
    expect(Object.keys(json.environment).sort()).toEqual(['cores', 'cpuModel', 'date', 'fanoutVersion', 'gitCommit', 'loadAverage', 'memoryBytes', 'node', 'os']);
    expect(json.environment.node).toBe(process.version);
    expect(json.workload).toMatchObject({ job: 'fake', runs: 2, warmup: 1, items: 20 });
    expect(json.strategies.map((s: { id: string }) => s.id)).toEqual(IDS);
  });

  it('writes report.csv as one well-formed row per strategy', () => {
    const rows = read('report.csv').trimEnd().split('\r\n').map((line) => line.split(','));
    expect(rows).toHaveLength(1 + IDS.length);
    expect(new Set(rows.map((r) => r.length)).size).toBe(1);
    expect(rows[0].slice(0, 6)).toEqual(['strategy', 'mode', 'workers', 'rank', 'runs', 'median_ms']);
    expect(rows.slice(1).map((r) => r[0]).sort()).toEqual([...IDS].sort());
    const procs = rows.find((r) => r[0] === 'procs:1')!;
    expect(procs[rows[0].indexOf('rank')]).toBe('');
    expect(procs[rows[0].indexOf('result')]).toBe('differs');
  });

  it('writes report.md with a table row for every strategy and the environment', () => {
    const md = read('report.md');
    const tableRows = md.split('\n').filter((l) => l.startsWith('| ') && IDS.some((id) => l.startsWith(`| ${id} |`)));
    expect(tableRows).toHaveLength(IDS.length);
    const header = md.split('\n').find((l) => l.startsWith('| Strategy'))!;
    for (const row of tableRows) expect(row.split(' | ').length).toBe(header.split(' | ').length);
    expect(md).toContain('DIFFERS');
    expect(md).toContain(`| Node | ${process.version} |`);
    expect(md).toContain('\\<b\\>bold\\</b\\>'); // user text cannot inject markup
  });

  it('writes a self-contained report.html with one time bar per strategy and the environment header', () => {
    const html = read('report.html');
    const $ = cheerio.load(html);
    const bars = $('svg rect.bar.time');
    expect(bars).toHaveLength(IDS.length);
    expect(bars.map((_, el) => $(el).attr('data-strategy')).get().sort()).toEqual([...IDS].sort());
    expect($('svg rect.bar.time.flagged').attr('data-strategy')).toBe('procs:1');
    expect($('svg rect.bar.time.fastest')).toHaveLength(1);
    expect($('svg .whisker')).toHaveLength(IDS.length);
    expect($('svg rect.bar.memory')).toHaveLength(IDS.length);
    expect($('table.summary tbody tr')).toHaveLength(IDS.length);
    expect($('dl.env').text()).toContain(process.version);
    expect($('dl.env').text()).toContain(c.environment.cpuModel);
    expect($('b')).toHaveLength(0); // the workload text was escaped
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
  });

  it('prints a terminal table that names every strategy and the fastest', () => {
    const text = renderTerminal(c, { reportDir: '/tmp/x' });
    for (const id of IDS) expect(text).toMatch(new RegExp(`^${id.replace(':', '\\:')}\\s`, 'm'));
    const fastest = c.strategies.find((s) => s.rank === 1)!;
    const second = c.strategies.find((s) => s.rank === 2)!;
    // threads:1 and threads:2 sleep alike: whether the top two are apart is the separation rule's call.
    expect(text).toContain(separation(second.relative!) === 'apart' ? `${fastest.id} is fastest` : `No clear winner: ${fastest.id} has the lowest median`);
    expect(text).toContain('warning: procs:1');
    expect(text).not.toContain('\x1b[');
  });
});
