import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type SpawnOptions } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSiteServer, type SiteServer } from '../../fixtures/site-server.js';
import { BIN, parseJsonl, runCli } from '../helpers/cli.js';
import { binFor } from '../helpers/user-bin.js';

let site: SiteServer;
let dir: string;
beforeAll(async () => {
  site = await startSiteServer({ hosts: 1 });
  dir = await mkdtemp(join(tmpdir(), 'fanout cli scrape errors '));
});
afterAll(async () => {
  await site.close();
  await rm(dir, { recursive: true, force: true });
});

function spawnCli(args: string[], options: SpawnOptions, bin = BIN): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** One line on stderr, exit 2, nothing on stdout: how every refusal of the input reads. */
function expectOneLineRefusal(r: { code: number | null; stdout: string; stderr: string }, ...words: string[]): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  for (const w of words) expect(r.stderr).toContain(w);
}

describe('fanout scrape: the input list, in words', () => {
  it('says a directory given as the list is a directory, naming it', async () => {
    expectOneLineRefusal(await runCli(['scrape', dir, '--quiet']), dir, 'is a directory');
  });

  it('says a directory on stdin is a directory, instead of a silent empty run', async () => {
    const fd = openSync(dir, 'r');
    try {
      expectOneLineRefusal(await spawnCli(['scrape', '-', '--quiet'], { stdio: [fd, 'pipe', 'pipe'] }), 'stdin', 'is a directory');
    } finally {
      closeSync(fd);
    }
  });

  it('says permission denied in words, naming the list', async () => {
    const list = join(dir, 'secret.txt');
    await writeFile(list, `${site.url}/page/1\n`, { mode: 0o000 });
    // root reads any file: the list is then read by an unprivileged user (who cannot even enter the 0700 folder).
    const root = process.getuid?.() === 0;
    const asUser = root ? { uid: 65534, gid: 65534 } : {};
    const r = await spawnCli(['scrape', list, '--quiet'], asUser, root ? binFor(65534, 65534) : BIN);
    expectOneLineRefusal(r, `cannot read ${list}: permission denied`);
  });

  it('scrapes a UTF-16 list with a BOM, as Windows tools and iconv -t UTF-16 write it', async () => {
    const list = join(dir, 'utf16.txt');
    await writeFile(list, Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from(`${site.url}/page/u1\r\n${site.url}/page/u2\r\n`, 'utf16le')]));
    const r = await runCli(['scrape', list, '--quiet']);
    expect(r.code).toBe(0);
    expect(parseJsonl(r.stdout).map((x) => [x.url, x.ok])).toEqual([[`${site.url}/page/u1`, true], [`${site.url}/page/u2`, true]]);
  });

  it('refuses a binary file as the list with one line naming it', async () => {
    const list = join(dir, 'program');
    await writeFile(list, Buffer.concat([Buffer.from('\x7fELF\x02\x01\x01'), Buffer.alloc(256), Buffer.from('\nhttp://x/\n')]));
    expectOneLineRefusal(await runCli(['scrape', list, '--quiet']), list, 'is not a text list of URLs');
  });
});

describe('fanout scrape: results that are what they say', () => {
  it('fails a gzip page cut short with DECODE, and --save keeps nothing of it', async () => {
    const list = join(dir, 'cut.txt');
    const save = join(dir, 'saved');
    await writeFile(list, `${site.url}/page/cut?bytes=300000&enc=gzip&cut=1\n${site.url}/page/whole?bytes=300000&enc=gzip\n`);
    const r = await runCli(['scrape', list, '--quiet', '--retries', '0', '--save', save]);
    expect(r.code).toBe(1);
    const [cut, whole] = parseJsonl(r.stdout);
    expect(cut).toMatchObject({ ok: false, status: 200, title: null, savedAs: null, error: { code: 'DECODE' } });
    expect(whole).toMatchObject({ ok: true, title: 'Page /page/whole' });
    const saved = (await readdir(save, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
    expect(saved).toEqual([String(whole!.savedAs).split('/').pop()]);
  });

  it('--resume refuses a file holding a record twice, naming the line, and leaves it as it was', async () => {
    const urls = Array.from({ length: 60 }, (_, i) => `${site.url}/page/r${i}`);
    const list = join(dir, 'resume.txt');
    await writeFile(list, urls.join('\n') + '\n');
    const out = join(dir, 'resume.jsonl');
    const full = await runCli(['scrape', list, '-o', out, '--quiet']);
    expect(full.code).toBe(0);
    const lines = (await readFile(out, 'utf8')).split('\n').slice(0, 60);
    const doctored = [...lines.slice(0, 50), lines[30]].join('\n') + '\n'; // the first 50 records, then record 30 again
    await writeFile(out, doctored);
    expectOneLineRefusal(await runCli(['scrape', list, '-o', out, '--resume', '--quiet']), 'RESUME_MISMATCH', 'line 51 repeats index 30');
    expect(await readFile(out, 'utf8')).toBe(doctored);
  });
});
