/** Every byte of the CLI's stdout reaches a reader slower than fanout, whatever the command (needs a build). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manyEntries } from '../../fixtures/tree.js';
import { startSiteServer, type SiteServer } from '../../fixtures/site-server.js';
import { runIntoSlowReader } from '../helpers/slow-reader.js';
import { startCli } from '../helpers/cli.js';

let dir: string;
let site: SiteServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fanout slow reader '));
  site = await startSiteServer({ hosts: 1, pageBytes: 512, log: false });
});
afterAll(async () => {
  await site.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a slow reader of stdout', () => {
  it("gets copy --dry-run's whole plan, and fanout exits 0", async () => {
    const src = join(dir, 'tree');
    manyEntries(src, 4000); // a plan of ~200 KiB, three pipe buffers
    const r = await runIntoSlowReader(['copy', src, join(dir, 'never-made'), '--dry-run', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const plan = r.stdout.split('\n');
    expect(plan.pop()).toBe('');
    expect(plan).toHaveLength(4005); // the root, 4 folders, 4000 files
    expect(plan.map((l) => JSON.parse(l).path).at(-1)).toBe('m3/e999');
  });

  it('gets every record of a scrape to stdout, and fanout exits 0', async () => {
    const n = 300;
    const list = join(dir, 'urls.txt');
    writeFileSync(list, Array.from({ length: n }, (_, i) => `${site.url}/page/slow-${i}?bytes=8192`).join('\n') + '\n');
    const r = await runIntoSlowReader(['scrape', list, '--quiet', '--select-all', 'text=p']); // ~7 KiB a record
    expect(r.code, r.stderr).toBe(0);
    const indices = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l).index);
    expect(indices).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it("gets compare --json's whole report, and fanout exits 0", async () => {
    const list = join(dir, 'not-urls.txt');
    writeFileSync(list, 'not a url\n'); // no request is made; the runs are quick
    const pad = 'x'.repeat(100_000); // the job's arguments are in the report: a JSON of ~200 KiB
    const r = await runIntoSlowReader([
      'compare', 'scrape', list, '--user-agent', pad, '--modes', 'async', '--runs', '1', '--warmup', '0', '--report', join(dir, 'report'), '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(3 * 64 * 1024);
    expect(JSON.parse(r.stdout).workload.args).toContain(pad);
  });

  it('ends quietly with exit 141 when the reader of compare --json leaves early (| head -c 10), no stack trace', async () => {
    const list = join(dir, 'not-urls-head.txt');
    writeFileSync(list, 'not a url\n');
    const { child, done } = startCli([
      // ~500 KiB of JSON: more than a socket pair's buffer, so fanout is still writing when the reader leaves
      'compare', 'scrape', list, '--user-agent', 'x'.repeat(120_000), '-H', `X-Pad: ${'y'.repeat(120_000)}`,
      '--modes', 'async', '--runs', '1', '--warmup', '0', '--report', join(dir, 'report-head'), '--json',
    ]);
    child.stdout!.once('data', () => child.stdout!.destroy());
    const r = await done;
    expect(r.code).toBe(141);
    expect(r.stderr).toBe('');
  });
});
