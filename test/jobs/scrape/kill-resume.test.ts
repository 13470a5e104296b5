/**
 * `fanout scrape -o FILE` killed with SIGKILL mid-run in every mode, then `--resume`: the file ends as an
 * uninterrupted run's (one whole record per URL line, none twice); and `--procs` with one of its worker processes
 * killed mid-run: the run still ends, one record per URL line, each ok or failed with a stable code.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSiteServer, type SiteServer } from '../../../fixtures/site-server.js';
import { processTree } from '../../../src/compare/proc-tree.js';
import { lineCount, parseJsonl, runCli, startCli, writeList } from '../../helpers/cli.js';

let site: SiteServer;
let dir: string;
let list: string;
const URLS = 400;

beforeAll(async () => {
  site = await startSiteServer({ hosts: 2, latencyMs: 5, log: false });
  dir = await mkdtemp(join(tmpdir(), 'fanout scrape kill '));
  // Pages on two hosts, a 404 and a line that is no URL now and then: failed records are resumed too.
  const lines = Array.from({ length: URLS }, (_, i) => (i % 50 === 7 ? 'not a url' : i % 25 === 3 ? `${site.urls[i % 2]}/status/404` : `${site.urls[i % 2]}/page/${i}`));
  list = await writeList(dir, 'list.txt', lines);
});
afterAll(async () => {
  await site.close();
  await rm(dir, { recursive: true, force: true });
});

const MODES = [[], ['--threads', '2'], ['--procs', '2']];
const turn = () => new Promise((resolve) => setTimeout(resolve, 2));

async function until(what: string, cond: () => boolean, stillRunning: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 60_000; !cond(); await turn()) {
    if (!stillRunning()) throw new Error(`the run ended before ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

interface Rec {
  index: number;
  url: string;
  ok: boolean;
  error: { code: string } | null;
}

/** CSV rows' first field (the index), the header left out; rows here hold no quoted newline. */
const csvIndices = (text: string) => text.split('\n').slice(1, -1).map((l) => Number(l.split(',')[0]));

describe('fanout scrape killed (SIGKILL), then --resume', () => {
  for (const mode of MODES) {
    for (const format of ['jsonl', 'csv'] as const) {
      it(`[${mode.join(' ') || 'async'}] ${format}: the resumed file holds each URL line's record once, whole, as an uninterrupted run's`, async () => {
        const out = join(dir, `out ${mode.join('')}.${format}`);
        const run = startCli(['scrape', list, '-o', out, '-c', '8', '-q', ...mode]);
        let exited = false;
        void run.done.then(() => (exited = true));
        await until('a quarter of the records were written', () => lineCount(out) >= URLS / 4, () => !exited);
        run.child.kill('SIGKILL');
        await run.done;
        const cut = lineCount(out);
        expect(cut).toBeLessThan(URLS);

        const again = await runCli(['scrape', list, '-o', out, '-c', '8', '--resume', '-q', ...mode]);
        expect(again.stderr).toBe('');
        expect(again.code).toBe(1); // the 404s and the non-URLs, from either run
        const text = readFileSync(out, 'utf8');
        expect(text.endsWith('\n')).toBe(true);
        const indices = format === 'jsonl' ? parseJsonl<Rec>(text).map((r) => r.index) : csvIndices(text);
        expect(indices).toHaveLength(URLS);
        expect([...indices].sort((a, b) => a - b)).toEqual(Array.from({ length: URLS }, (_, i) => i));
        if (format === 'jsonl') {
          const failed = parseJsonl<Rec>(text).filter((r) => !r.ok).map((r) => r.error!.code);
          expect(new Set(failed)).toEqual(new Set(['HTTP_STATUS', 'INVALID_URL']));
        }
      }, 120_000);
    }
  }
});

describe('fanout scrape --procs with a worker process killed (SIGKILL) mid-run', () => {
  it('ends, with one record per URL line, each ok or failed with a stable code, and none twice', async () => {
    const out = join(dir, 'worker killed.jsonl');
    const run = startCli(['scrape', list, '-o', out, '-c', '8', '-q', '--procs', '2']);
    let exited = false;
    void run.done.then(() => (exited = true));
    await until('the workers to be under way', () => lineCount(out) >= 50 && processTree(run.child.pid!).length >= 3, () => !exited);
    const worker = processTree(run.child.pid!).find((p) => p !== run.child.pid)!;
    process.kill(worker, 'SIGKILL');
    const killer = setTimeout(() => run.child.kill('SIGKILL'), 90_000); // a safety net: a hang fails the test
    const r = await run.done;
    clearTimeout(killer);
    expect(r.signal).toBe(null);
    expect(r.code).toBe(1);
    const records = parseJsonl<Rec>(readFileSync(out, 'utf8'));
    expect(records.map((x) => x.index)).toEqual(Array.from({ length: URLS }, (_, i) => i));
    for (const x of records) if (!x.ok) expect(['HTTP_STATUS', 'INVALID_URL', 'WORKER_CRASHED']).toContain(x.error!.code);
  }, 120_000);
});
