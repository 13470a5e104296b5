/**
 * `fanout scrape` with -o, --save and --cookie-jar on one small disk (a tmpfs; root only) that fills mid-run, in
 * every mode: the run stops at once with a NO_SPACE line naming the file or folder and exit 2 (a jar that cannot be
 * written then says so on a line of its own); -o holds whole records only, in order; every record's body is whole
 * under its name; no temp is left; the jar is the old one or the new one, whole.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCookieSite, type CookieSite } from '../../../fixtures/cookie-site.js';
import { startSiteServer, type SiteServer } from '../../../fixtures/site-server.js';
import { parseJsonl, runCli, writeList } from '../../helpers/cli.js';
import { skipUnless } from '../../helpers/needs.js';
import { canMountTmpfs } from '../copy/scratch.js';

let site: SiteServer;
let cookies: CookieSite;
let dir: string;
let n = 0;
const canMount = canMountTmpfs();
const MODES = [[], ['--threads', '2'], ['--procs', '2']];
const modeName = (mode: string[]) => mode.join(' ') || 'async';
const OLD_JAR = '# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\told\t1\n';

beforeAll(async () => {
  [site, cookies] = await Promise.all([startSiteServer({ hosts: 1, log: false }), startCookieSite()]);
  dir = await mkdtemp(join(tmpdir(), 'fanout full disk '));
});
afterAll(async () => {
  await Promise.all([site.close(), cookies.close()]);
  await rm(dir, { recursive: true, force: true });
});

interface Rec {
  index: number;
  url: string;
  ok: boolean;
  savedAs: string | null;
}

/** A small tmpfs at `disk` for `body`; unmounted after it. */
async function onSmallDisk(disk: string, size: string, body: () => Promise<void>): Promise<void> {
  mkdirSync(disk, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', disk]);
  try {
    await body();
  } finally {
    execFileSync('umount', ['-l', disk]);
  }
}

/** The jar is the old one, untouched, or the new one, whole (the old cookie kept, the session added). */
function expectOldOrNewJar(jar: string): void {
  const text = readFileSync(jar, 'utf8');
  if (text === OLD_JAR) return;
  const lines = text.split('\n').filter((l) => l && !l.startsWith('# '));
  expect(lines.sort()).toEqual(['127.0.0.1\tFALSE\t/\tFALSE\t0\told\t1', '127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc']);
}

/** -o's records: whole lines only, the prefix of the list in order. */
function wholePrefix(out: string, total: number): Rec[] {
  const text = readFileSync(out, 'utf8');
  expect(text === '' || text.endsWith('\n'), 'the -o file ends with a whole record').toBe(true);
  const records = parseJsonl<Rec>(text);
  expect(records.length).toBeLessThan(total);
  expect(records.map((r) => r.index)).toEqual(records.map((_, i) => i));
  return records;
}

describe('fanout scrape with -o, --save and --cookie-jar on a disk that fills mid-run', () => {
  for (const mode of MODES) {
    it(`[${modeName(mode)}] stops with NO_SPACE and exit 2; whole records in -o, whole bodies, no temp, the old or the new jar`, async (ctx) => {
      skipUnless(ctx, canMount, 'needs root allowed to mount a tmpfs (a full disk)');
      const d = join(dir, `case ${++n}`);
      const disk = join(d, 'small disk');
      const total = 300; // 8 KiB pages: about 2.4 MB, on a 1 MiB file system
      const urls = [`${cookies.url}/login`, ...Array.from({ length: total - 1 }, (_, i) => `${site.url}/page/full/${i}`)];
      const list = await writeList(dir, `list ${n}.txt`, urls);
      await onSmallDisk(disk, '1m', async () => {
        const out = join(disk, 'out.jsonl');
        const save = join(disk, 'saved pages');
        const jar = join(disk, 'jar.txt');
        writeFileSync(jar, OLD_JAR);
        const r = await runCli(['scrape', list, '-o', out, '--save', save, '-b', jar, '--cookie-jar', jar, '-c', '4', '-q', ...mode]);
        expect(r.code, r.stderr).toBe(2);
        const [first, ...rest] = r.stderr.trim().split('\n');
        expect(first).toMatch(/^fanout: NO_SPACE: (no space left in the --save folder .*saved pages .*; stopped after \d+ records|cannot write .*out\.jsonl: no space left on device)$/);
        for (const line of rest) expect(line).toMatch(/^fanout: COOKIE_JAR_FAILED: --cookie-jar .*jar\.txt: cannot write it: no space left on device$/);
        for (const x of wholePrefix(out, total)) {
          expect(x.ok, x.url).toBe(true);
          // The login page echoes the cookies it was sent: the jar's, from -b.
          const want = x.url.startsWith(cookies.url) ? '<title>cookie: old=1</title>' : await (await fetch(x.url)).text();
          expect(readFileSync(join(save, x.savedAs!), 'utf8')).toBe(want);
        }
        expect(readdirSync(join(save, '.fanout#tmp'))).toEqual([]);
        expectOldOrNewJar(jar);
        expect(readdirSync(disk).sort(), 'no jar temp').toEqual(['jar.txt', 'out.jsonl', 'saved pages']);
      });
    }, 30_000);
  }

  for (const mode of MODES) {
    it(`[${modeName(mode)}] when -o fills the disk: NO_SPACE naming it, exit 2, whole records only, the jar's failure on a line of its own, the old jar whole`, async (ctx) => {
      skipUnless(ctx, canMount, 'needs root allowed to mount a tmpfs (a full disk)');
      const d = join(dir, `case ${++n}`);
      const disk = join(d, 'small disk');
      const total = 400; // records of about 300 bytes: about 120 KB, on a 64 KiB file system
      const urls = [`${cookies.url}/login`, ...Array.from({ length: total - 1 }, (_, i) => `${site.url}/page/full/${i}`)];
      const list = await writeList(dir, `list ${n}.txt`, urls);
      await onSmallDisk(disk, '64k', async () => {
        const out = join(disk, 'out.jsonl');
        const jar = join(disk, 'jar.txt');
        writeFileSync(jar, OLD_JAR);
        const r = await runCli(['scrape', list, '-o', out, '-b', jar, '--cookie-jar', jar, '-c', '4', '-q', ...mode]);
        expect(r.code, r.stderr).toBe(2);
        const [first, ...rest] = r.stderr.trim().split('\n');
        expect(first).toMatch(/^fanout: NO_SPACE: cannot write .*out\.jsonl: no space left on device$/);
        for (const line of rest) expect(line).toMatch(/^fanout: COOKIE_JAR_FAILED: --cookie-jar .*jar\.txt: cannot write it: no space left on device$/);
        wholePrefix(out, total);
        expectOldOrNewJar(jar);
        expect(readdirSync(disk).sort(), 'no jar temp').toEqual(['jar.txt', 'out.jsonl']);
      });
    }, 30_000);
  }
});
