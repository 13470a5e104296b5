/**
 * The offline demo end to end, in quick mode: real loopback site, real temp tree, real `node bin/fanout.js`
 * child processes (so the package must be built first: `npx tsc -p .`).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo, type DemoResult } from '../../src/demo/demo.js';
import { QUICK } from '../../src/demo/workloads.js';
import { BIN, startCli } from '../helpers/cli.js';
import { sink } from '../helpers/sink.js';

const WORKLOADS = ['io-scrape', 'parse-scrape', 'tree-copy'];
const STRATEGIES = ['async', 'threads:2', 'procs:2'];

let root: string;
let savedTmp: string | undefined;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'fanout-demo-test-'));
  // Everything the demo and its child processes put in the temp folder lands here, where the tests can see it.
  savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = join(root, 'tmp');
  mkdirSync(process.env.TMPDIR);
});

afterAll(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(root, { recursive: true, force: true });
});

describe('fanout demo (quick)', () => {
  let result: DemoResult;
  let out: Writable & { text: string };

  beforeAll(async () => {
    out = sink();
    result = await runDemo({ signal: new AbortController().signal, out, reportDir: join(root, 'report'), quick: true });
  }, 180_000); // a safety net: nine fresh fanout processes took ~35 s on a loaded 2-core machine, too close to 60 s

  it('writes a report folder per workload, each naming every strategy in every format', () => {
    for (const w of WORKLOADS) {
      const dir = join(root, 'report', w);
      expect(readdirSync(dir).sort()).toEqual(['report.csv', 'report.html', 'report.json', 'report.md']);
      for (const f of ['report.md', 'report.csv', 'report.html']) {
        const text = readFileSync(join(dir, f), 'utf8');
        for (const s of STRATEGIES) expect(text, `${w}/${f} names ${s}`).toContain(s);
      }
      const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { strategies: { id: string }[] };
      expect(json.strategies.map((s) => s.id)).toEqual(STRATEGIES);
    }
  });

  it('links the three reports from index.md and index.html, with their takeaways', () => {
    const md = readFileSync(join(root, 'report', 'index.md'), 'utf8');
    const html = readFileSync(join(root, 'report', 'index.html'), 'utf8');
    for (const [i, w] of WORKLOADS.entries()) {
      expect(md).toContain(`(${w}/report.html)`);
      expect(md).toContain(`(${w}/report.md)`);
      expect(html).toContain(`href="${w}/report.html"`);
      expect(md).toContain(`**Takeaway:** ${result.entries[i].takeaway}`);
    }
  });

  it('runs every strategy of every workload through the correctness gate, and all agree', () => {
    expect(result.ok).toBe(true);
    expect(result.entries.map((e) => e.workload.name)).toEqual(WORKLOADS);
    for (const e of result.entries) {
      expect(e.comparison.strategies.map((s) => [s.id, s.correctness.status, s.failed])).toEqual(STRATEGIES.map((s) => [s, 'agrees', 0]));
      expect(e.comparison.method.freshProcessPerRun).toBe(true);
    }
    const items = result.entries.map((e) => e.comparison.workload.items);
    // The copy counts its entries: files plus the folders smallFiles() nests them in, the root's two and the root itself.
    expect(items.slice(0, 2)).toEqual([QUICK.io.urls, QUICK.parse.pages]);
    expect(items[2]).toBeGreaterThan(QUICK.copy.smallFiles + QUICK.copy.largeFiles);
  });

  it('prints each report table with a takeaway derived from its numbers, then a summary', () => {
    for (const e of result.entries) {
      expect(out.text).toContain(`Takeaway: ${e.takeaway}`);
      const fastest = e.comparison.strategies.find((s) => s.rank === 1)!.id;
      expect(e.takeaway).toContain(fastest);
    }
    expect(out.text).toMatch(/Summary\n {2}I\/O-bound scrape +\S/);
    expect(out.text).toContain(`Reports: ${join(root, 'report', 'index.html')}`);
  });

  it('leaves nothing behind in the temp folder', () => {
    expect(readdirSync(process.env.TMPDIR!)).toEqual([]);
  });
});

describe('fanout demo interrupted', () => {
  it('stops before the next run, keeps the reports that completed, and cleans up', async () => {
    const controller = new AbortController();
    // Interrupt as the second workload starts: its first run must not begin.
    const out = sink((text) => text.includes('[2/3]') && controller.abort());
    const result = await runDemo({ signal: controller.signal, out, reportDir: join(root, 'cut'), quick: true });
    expect(result.interrupted).toBe(true);
    expect(result.ok).toBe(false);
    expect(result.entries.map((e) => e.workload.name)).toEqual(['io-scrape']);
    expect(readdirSync(join(root, 'cut')).sort()).toEqual(['index.html', 'index.md', 'io-scrape']);
    expect(out.text).toContain('Interrupted: 1 of 3 workloads completed; the reports of those are in');
    expect(readdirSync(process.env.TMPDIR!)).toEqual([]);
  }, 60_000);

  it('exits 130 on Ctrl-C from a terminal (the whole process group), leaving no temporary files', async () => {
    const tmp = join(root, 'cli-tmp');
    mkdirSync(tmp);
    // Its own process group, signalled as a whole, as a terminal does: the running job gets SIGINT too.
    const child = spawn(process.execPath, [BIN, 'demo', '--quick', '--report', join(root, 'cli')], {
      detached: true,
      env: { ...process.env, TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      const first = !stdout.includes('[1/3]');
      stdout += d;
      if (first && stdout.includes('[1/3]')) process.kill(-child.pid!, 'SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(stderr).toContain('interrupted');
    expect(stdout).toContain('Interrupted: 0 of 3 workloads completed.');
    expect(readdirSync(tmp)).toEqual([]);
  }, 60_000);

  it('refuses a run count that is not a whole number >= 1, without a stack trace', async () => {
    const r = await startCli(['demo', '--runs', '0']).done;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--runs must be a whole number >= 1');
    expect(r.stderr).not.toContain('    at ');
  });

  it('refuses a report folder it cannot write before the first run, with one line', async () => {
    const file = join(root, 'not-a-folder');
    writeFileSync(file, 'x');
    const r = await startCli(['demo', '--quick', '--report', file]).done;
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(''); // nothing started: no site, no tree, no workload
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^fanout: cannot write the reports to .*not-a-folder: not a directory/)]);
  });
});
