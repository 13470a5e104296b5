/** `fanout scrape --save DIR` end to end: distinct names under concurrency, no overwrite nor second copy on resume, a full disk. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSiteServer, type SiteServer } from '../../fixtures/site-server.js';
import { until } from '../../fixtures/scrape-options.js';
import { lineCount, parseJsonl, runCli, startCli, writeList } from '../helpers/cli.js';
import { canMountTmpfs } from '../jobs/copy/scratch.js';
import { skipUnless } from '../helpers/needs.js';

interface Saved {
  index: number;
  url: string;
  ok: boolean;
  savedAs: string | null;
  error: { code: string } | null;
}

let site: SiteServer;
let dir: string;
const canMount = canMountTmpfs();
const MODES = [[], ['--threads', '2'], ['--procs', '2']];

beforeAll(async () => {
  site = await startSiteServer({ hosts: 1 });
  dir = await mkdtemp(join(tmpdir(), 'fanout cli save '));
});
afterAll(async () => {
  await site.close();
  await rm(dir, { recursive: true, force: true });
});

const list = (name: string, lines: string[]) => writeList(dir, name, lines);

/** What the site server puts in a page's title: the request's path. */
const titleOf = (url: string) => `<title>Page ${new URL(url).pathname}</title>`;
/** Every file under `root` but fanout's temp folder, as paths relative to it. */
const filesUnder = (root: string) =>
  readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !join(e.parentPath, e.name).includes('.fanout#tmp'))
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort();

describe('fanout scrape --save', () => {
  for (const flags of MODES) {
    it(`gives URLs that map to one name distinct files, each with its own body, and a URL listed again its one file, with -c 4 (${flags[0] ?? 'async'})`, async () => {
      const old = (q: string) => createHash('sha1').update(q).digest('hex').slice(0, 8);
      const clashing = [
        '/page/x?q=1', `/page/x_${old('?q=1')}`, // the query's old name, and a path spelled the same
        '/page/...', '/page/%2E%2E%2E',
        '/page/a//b', '/page/a/_/b',
        '/page/d/', '/page/d/index.html',
        '/page/twice', '/page/twice', '/page/twice', '/page/twice',
      ];
      const urls = Array.from({ length: 3 }, () => clashing.map((p) => `${site.url}${p}`)).flat();
      const input = await list(`clash-${flags.join('')}.txt`, urls);
      const save = join(dir, `clash ${flags.join('')}`);
      const r = await runCli(['scrape', input, '--save', save, '-c', '4', '--quiet', ...flags]);
      expect(r.code, r.stderr).toBe(0);
      const records = parseJsonl<Saved>(r.stdout);
      expect(records).toHaveLength(urls.length);
      // The site's pages are deterministic by path: the same URL brings the same bytes, saved once.
      const fileOf = new Map<string, string>();
      for (const x of records) {
        expect(fileOf.get(x.url) ?? x.savedAs, x.url).toBe(x.savedAs);
        fileOf.set(x.url, x.savedAs!);
        expect(readFileSync(join(save, x.savedAs!), 'utf8'), x.url).toContain(titleOf(x.url));
      }
      const distinct = new Set(urls).size;
      expect(new Set(fileOf.values()).size).toBe(distinct);
      expect(filesUnder(save)).toHaveLength(distinct);
    });
  }

  for (const flags of MODES) {
    it(`fails the records under a symlink planted in DIR, writes nothing through it, and saves the rest (${flags[0] ?? 'async'})`, async () => {
      const save = join(dir, `planted ${flags.join('')}`);
      const victim = join(dir, `victim ${flags.join('')}`);
      await mkdir(victim);
      const host = `${new URL(site.url).hostname}#${new URL(site.url).port}`;
      await mkdir(join(save, host, 'page'), { recursive: true });
      symlinkSync(victim, join(save, host, 'page', 'sub'));
      const urls = Array.from({ length: 20 }, (_, i) => `${site.url}/page/${i % 2 ? 'sub' : 'fine'}/${i}`);
      const r = await runCli(['scrape', await list(`planted-${flags.join('')}.txt`, urls), '--save', save, '-c', '4', '--quiet', ...flags]);
      expect(r.code, r.stderr).toBe(1);
      const records = parseJsonl<Saved>(r.stdout);
      expect(records.filter((x) => x.ok).map((x) => x.index)).toEqual(urls.map((_, i) => i).filter((i) => i % 2 === 0));
      for (const x of records.filter((y) => !y.ok)) expect(x).toMatchObject({ savedAs: null, error: { code: 'SAVE_FAILED' } });
      expect(readdirSync(victim)).toEqual([]);
    });
  }

  it('under compare, saves each run into a fresh folder, so the strategies agree and DIR is left alone', async () => {
    const input = await list('compare-save.txt', Array.from({ length: 6 }, (_, i) => `${site.url}/page/cmp/${i}`));
    const save = join(dir, 'compare save');
    const r = await runCli(['compare', 'scrape', input, '--save', save, '--modes', 'async,threads', '--workers', '2', '--runs', '2', '--warmup', '0', '--report', join(dir, 'compare report')]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/DIFFERS/);
    expect(existsSync(save)).toBe(false);
  });

  it('never overwrites a file an interrupted run saved when --resume saves a URL of the same name', async () => {
    const urls = [`${site.url}/page/r/`, `${site.url}/hang`, `${site.url}/page/r/index.html`, `${site.url}/page/r2?v=1`];
    const input = await list('resume-save.txt', urls);
    const out = join(dir, 'resume-save.jsonl');
    const save = join(dir, 'resume save');
    const flags = ['--save', save, '-o', out, '--retries', '0', '-c', '1', '--quiet'];
    const { child, done } = startCli(['scrape', input, '--timeout', '60', ...flags]);
    await until(() => lineCount(out) >= 1, 30_000);
    child.kill('SIGINT');
    expect((await done).code).toBe(130);
    const [first] = parseJsonl<Saved>(await readFile(out, 'utf8'));
    const firstFile = join(save, first!.savedAs!);
    const before = { text: readFileSync(firstFile, 'utf8'), ino: statSync(firstFile).ino };

    const resumed = await runCli(['scrape', input, '--resume', '--timeout', '2', ...flags]);
    expect(resumed.code, resumed.stderr).toBe(1); // /hang times out
    const records = parseJsonl<Saved>(await readFile(out, 'utf8'));
    expect(records.map((x) => x.index)).toEqual([0, 1, 2, 3]);
    expect(readFileSync(firstFile, 'utf8')).toBe(before.text);
    expect(statSync(firstFile).ino).toBe(before.ino);
    expect(before.text).toContain(titleOf(urls[0]!));
    expect(records[2]!.savedAs).not.toBe(first!.savedAs);
    expect(readFileSync(join(save, records[2]!.savedAs!), 'utf8')).toContain(titleOf(urls[2]!));
  });

  for (const flags of MODES) {
    it(`--resume after a run stopped between saving bodies and writing their records adds no second copy of them (${flags[0] ?? 'async'})`, async () => {
      const urls = Array.from({ length: 8 }, (_, i) => `${site.url}/page/again/${i}`);
      const input = await list(`again-${flags.join('')}.txt`, urls);
      const out = join(dir, `again ${flags.join('')}.jsonl`);
      const save = join(dir, `again ${flags.join('')}`);
      const args = ['scrape', input, '--save', save, '-o', out, '-c', '4', '--quiet', ...flags];
      expect((await runCli(args)).code).toBe(0);
      const whole = parseJsonl<Saved>(await readFile(out, 'utf8'));
      // What a run killed after its last five saves and before their records leaves: every body, three records.
      const kept = (await readFile(out, 'utf8')).split('\n').slice(0, 3).join('\n') + '\n';
      await writeFile(out, kept);
      const resumed = await runCli([...args, '--resume']);
      expect(resumed.code, resumed.stderr).toBe(0);
      const records = parseJsonl<Saved>(await readFile(out, 'utf8'));
      expect(records.map((x) => x.index)).toEqual(urls.map((_, i) => i));
      expect(records.map((x) => x.savedAs)).toEqual(whole.map((x) => x.savedAs));
      expect(filesUnder(save)).toHaveLength(urls.length);
      for (const x of records) expect(readFileSync(join(save, x.savedAs!), 'utf8'), x.url).toContain(titleOf(x.url));
    });
  }

  it('refuses a read-only --save folder with READ_ONLY, one line and exit 2, before any request', async (ctx) => {
    skipUnless(ctx, canMount, 'needs root allowed to mount a tmpfs (a read-only or full disk)');
    const save = join(dir, 'read only');
    await mkdir(save);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', save]).status).toBe(0);
    try {
      const r = await runCli(['scrape', await list('ro.txt', [`${site.url}/page/ro`]), '--save', save, '--quiet']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^fanout: READ_ONLY: read-only file system in the --save folder .*; stopped after 0 records\n$/);
      expect(site.log.some((e) => e.path === '/page/ro')).toBe(false);
    } finally {
      spawnSync('umount', ['-l', save]);
    }
  });

  for (const flags of MODES) {
    it(`stops on a full --save disk with NO_SPACE, one line, exit 2 and a clean prefix that --resume finishes (${flags[0] ?? 'async'})`, async (ctx) => {
      skipUnless(ctx, canMount, 'needs root allowed to mount a tmpfs (a read-only or full disk)');
      const n = 300; // 8 KiB pages: about 2.4 MB, on a 1 MiB file system
      const tag = `full${flags.join('')}`;
      const urls = Array.from({ length: n }, (_, i) => `${site.url}/page/${tag}/${i}`);
      const input = await list(`${tag}.txt`, urls);
      const out = join(dir, `${tag}.jsonl`);
      const save = join(dir, `${tag} save`);
      await mkdir(save);
      expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', save]).status).toBe(0);
      try {
        const r = await runCli(['scrape', input, '-o', out, '--save', save, '-c', '4', '--quiet', ...flags]);
        expect(r.code, r.stderr).toBe(2);
        const lines = r.stderr.trim().split('\n');
        expect(lines, r.stderr).toHaveLength(1);
        expect(lines[0]).toMatch(/^fanout: NO_SPACE: no space left in the --save folder .*; stopped after \d+ records$/);
        const text = await readFile(out, 'utf8');
        expect(text === '' || text.endsWith('\n')).toBe(true);
        const prefix = parseJsonl<Saved>(text);
        expect(prefix.length).toBeLessThan(n);
        expect(prefix.map((x) => x.index)).toEqual(prefix.map((_, i) => i));
        for (const x of prefix) {
          expect(x.ok).toBe(true);
          expect(readFileSync(join(save, x.savedAs!), 'utf8')).toContain(titleOf(x.url));
        }
        // It stopped fetching at once rather than going on to the end of the list.
        expect(site.log.filter((e) => e.path.startsWith(`/page/${tag}/`)).length).toBeLessThan(prefix.length + 60);
        expect(readdirSync(join(save, '.fanout#tmp'))).toEqual([]);

        expect(spawnSync('mount', ['-o', 'remount,size=8m', save]).status).toBe(0);
        const resumed = await runCli(['scrape', input, '-o', out, '--save', save, '-c', '4', '--resume', '--quiet', ...flags]);
        expect(resumed.code, resumed.stderr).toBe(0);
        const all = parseJsonl<Saved>(await readFile(out, 'utf8'));
        expect(all.map((x) => x.index)).toEqual(urls.map((_, i) => i));
        for (const x of all) expect(readFileSync(join(save, x.savedAs!), 'utf8')).toContain(titleOf(x.url));
      } finally {
        spawnSync('umount', ['-l', save]);
      }
    });
  }
});
