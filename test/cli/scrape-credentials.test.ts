import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJsonl, runCli, writeList } from '../helpers/cli.js';

const PASSWORD = 's3cret-pw';
const BASIC = `Basic ${Buffer.from(`ann:${PASSWORD}`).toString('base64')}`;

/**
 * A site behind basic auth (ann:s3cret-pw): /private/* answers 401 without it; /private/page links to a relative
 * page; /private/hop redirects (relative Location) to /private/page; /private/loop redirects to itself.
 */
let server: Server;
let host: string;
let dir: string;
const authorized: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.headers.authorization !== BASIC) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end('no');
    authorized.push(req.url!);
    if (req.url === '/private/hop') return void res.writeHead(302, { location: '/private/page' }).end();
    if (req.url === '/private/loop') return void res.writeHead(302, { location: '/private/loop' }).end();
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<title>in ${req.url}</title><a href="next">next</a><a href="/private/other?q=1">other</a>`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'fanout scrape credentials '));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

/** Every file under `root`, read as text. */
async function allText(root: string): Promise<string> {
  let text = '';
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) text += `${join(entry.parentPath, entry.name)}\n${await readFile(join(entry.parentPath, entry.name), 'latin1')}\n`;
  }
  return text;
}

describe("a URL's own user:password", () => {
  const urls = () => [
    `http://ann:${PASSWORD}@${host}/private/page`,
    `http://ann:${PASSWORD}@${host}/private/hop`,
    `http://ann:${PASSWORD}@${host}/private/loop`,
    `http://ann:${PASSWORD}@[not-a-host/x`,
  ];

  it('authenticates the request, and no record, saved path, summary or log line holds the password', async () => {
    const work = await mkdtemp(join(dir, 'run '));
    const list = await writeList(dir, 'urls.txt', urls());
    authorized.length = 0;
    for (const mode of [[], ['--threads', '2'], ['--procs', '2']]) {
      const out = join(work, `out${mode.join('')}.jsonl`);
      const r = await runCli(['scrape', list, '-o', out, '--links', '--save', join(work, `saved${mode.join('')}`), '--summary-json', join(work, `summary${mode.join('')}.json`), '--retries', '0', '--progress', ...mode]);
      expect(r.code, mode.join(' ')).toBe(1);
      const records = parseJsonl<{ url: string; finalUrl: string | null; ok: boolean; links?: string[]; error: { code: string; message: string } | null }>(await readFile(out, 'utf8'));
      expect(records.map((x) => [x.url, x.finalUrl, x.ok, x.error?.code ?? null])).toEqual([
        [`http://${host}/private/page`, `http://${host}/private/page`, true, null],
        [`http://${host}/private/hop`, `http://${host}/private/page`, true, null],
        [`http://${host}/private/loop`, `http://${host}/private/loop`, false, 'TOO_MANY_REDIRECTS'],
        ['http://[not-a-host/x', null, false, 'INVALID_URL'],
      ]);
      expect(records[0]!.links).toEqual([`http://${host}/private/next`, `http://${host}/private/other?q=1`]);
      expect(r.stderr).toMatch(/done: 4 urls, 2 ok, 2 failed/);
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    }
    // The server saw the credentials on every hop of the same origin.
    expect(authorized.filter((p) => p === '/private/page')).toHaveLength(6);
    const written = await allText(work);
    expect(written).toMatch(/saved.*private.page/); // the walk read the records, summaries and saved bodies
    expect(written).not.toContain(PASSWORD);
    expect(written).not.toContain('ann:');
  });

  it('resumes a file written without the userinfo against the list that has it', async () => {
    const work = await mkdtemp(join(dir, 'resume '));
    const list = await writeList(work, 'urls.txt', urls());
    const out = join(work, 'out.jsonl');
    const full = await runCli(['scrape', list, '-o', out, '--retries', '0', '-q']);
    expect(full.code).toBe(1);
    const lines = (await readFile(out, 'utf8')).split('\n');
    await writeFile(out, `${lines.slice(0, 2).join('\n')}\n${lines[2]!.slice(0, 20)}`); // two records and a torn third
    const resumed = await runCli(['scrape', list, '-o', out, '--retries', '0', '--resume']);
    expect(resumed.stderr).not.toMatch(/RESUME_MISMATCH|written for another input/);
    expect(resumed.code).toBe(1);
    const records = parseJsonl<{ index: number; url: string }>(await readFile(out, 'utf8'));
    expect(records.map((x) => x.index)).toEqual([0, 1, 2, 3]);
    expect(await readFile(out, 'utf8')).not.toContain(PASSWORD);
  });

  it("gives way to -u and to -H Authorization, as curl's does", async () => {
    const work = await mkdtemp(join(dir, 'precedence '));
    const list = await writeList(work, 'urls.txt', [`http://eve:wrong@${host}/private/page`]);
    const byUser = await runCli(['scrape', list, '-u', `ann:${PASSWORD}`, '--retries', '0', '-q']);
    expect(byUser.code, byUser.stderr).toBe(0);
    expect(parseJsonl<{ status: number }>(byUser.stdout).map((x) => x.status)).toEqual([200]);
    const byHeader = await runCli(['scrape', list, '-u', 'eve:wrong', '-H', `Authorization: ${BASIC}`, '--retries', '0', '-q']);
    expect(byHeader.code, byHeader.stderr).toBe(0);
    expect(parseJsonl<{ status: number }>(byHeader.stdout).map((x) => x.status)).toEqual([200]);
  });

  it("stays out of compare's reports", async () => {
    const work = await mkdtemp(join(dir, 'compare '));
    const list = await writeList(work, 'urls.txt', urls().slice(0, 2));
    const report = join(work, 'report');
    const r = await runCli(['compare', 'scrape', list, '-u', `bob:${PASSWORD}`, '--proxy', `http://pat:${PASSWORD}@127.0.0.1:9`, '-b', `sid=${PASSWORD}`,
      '--modes', 'async', '--runs', '1', '--warmup', '0', '--report', report], { env: { NO_PROXY: '127.0.0.1' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(PASSWORD);
    const written = await allText(report);
    expect(written).toContain('report.md');
    expect(written).not.toContain(PASSWORD);
  });
});
