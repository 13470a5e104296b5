import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConnectProxy, type ConnectProxy } from '../../fixtures/connect-proxy.js';
import { parseJsonl, runCli, writeList } from '../helpers/cli.js';

interface Seen {
  method: string;
  path: string;
  body: string;
  authorization?: string;
  contentType?: string;
}

/** Pages titled with the method and path that reached them; /to-303, /to-302, /to-307 redirect to /landed. */
let server: Server;
let origin: string;
const seen: Seen[] = [];
let proxy: ConnectProxy;
let dir: string;

const read = (req: IncomingMessage) => new Promise<string>((resolve) => {
  let text = '';
  req.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve(text));
});

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await read(req);
    seen.push({ method: req.method!, path: req.url!, body, authorization: req.headers.authorization, contentType: req.headers['content-type'] });
    const redirect = /^\/to-(30\d)$/.exec(req.url!);
    if (redirect) return void res.writeHead(Number(redirect[1]), { location: '/landed' }).end();
    res.writeHead(200, { 'content-type': 'text/html' }).end(req.method === 'HEAD' ? undefined : `<title>${req.method} ${req.url}</title>`);
  });
  proxy = await startConnectProxy();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'fanout scrape requests '));
});
afterAll(async () => {
  server.closeAllConnections();
  await Promise.all([new Promise((r) => server.close(r)), proxy.close()]);
  await rm(dir, { recursive: true, force: true });
});

async function scrapeAll(paths: string[], flags: string[], env?: NodeJS.ProcessEnv) {
  seen.length = 0;
  const input = await writeList(dir, `urls-${Math.random().toString(36).slice(2)}.txt`, paths.map((p) => `${origin}${p}`));
  const r = await runCli(['scrape', input, '--quiet', ...flags], env ? { env } : {});
  return { ...r, records: parseJsonl<{ ok: boolean; title: string | null; status: number; url: string }>(r.stdout) };
}

describe('fanout scrape requests', () => {
  it('sends --data as a form POST, and -X chooses the method', async () => {
    const post = await scrapeAll(['/a'], ['--data', 'q=fan out&n=1']);
    expect(post.code).toBe(0);
    expect(seen).toEqual([{ method: 'POST', path: '/a', body: 'q=fan out&n=1', contentType: 'application/x-www-form-urlencoded', authorization: undefined }]);
    expect(post.records[0]!.title).toBe('POST /a');
    const put = await scrapeAll(['/b'], ['-X', 'PUT', '--data', '{"x":1}', '-H', 'Content-Type: application/json']);
    expect(seen).toEqual([{ method: 'PUT', path: '/b', body: '{"x":1}', contentType: 'application/json', authorization: undefined }]);
    expect(put.records[0]!.title).toBe('PUT /b');
  });

  it("sends --data-file's bytes as every request's body", async () => {
    const file = join(dir, 'body.json');
    await writeFile(file, '{"many":"requests"}');
    const r = await scrapeAll(['/c', '/d'], ['--data-file', file, '-H', 'content-type: application/json', '--threads', '2']);
    expect(r.code).toBe(0);
    expect(seen.map((s) => [s.method, s.body]).sort()).toEqual([['POST', '{"many":"requests"}'], ['POST', '{"many":"requests"}']]);
  });

  it('turns a POST into a GET on a 302 or 303, as browsers do, and keeps it with its body on a 307', async () => {
    const r = await scrapeAll(['/to-302', '/to-303', '/to-307'], ['--data', 'x=1', '--concurrency', '1']);
    expect(r.records.map((x) => x.title)).toEqual(['GET /landed', 'GET /landed', 'POST /landed']);
    expect(seen.filter((s) => s.path === '/landed').map((s) => [s.method, s.body, s.contentType ?? null])).toEqual([
      ['GET', '', null],
      ['GET', '', null],
      ['POST', 'x=1', 'application/x-www-form-urlencoded'],
    ]);
  });

  it('sends -u as basic auth and never writes it into the records or the summary', async () => {
    const r = await runCli(['scrape', await writeList(dir, 'auth.txt', [`${origin}/private`]), '-u', 'ann:s3cret-pw']);
    expect(r.code).toBe(0);
    expect(seen.at(-1)!.authorization).toBe(`Basic ${Buffer.from('ann:s3cret-pw').toString('base64')}`);
    expect(r.stdout + r.stderr).not.toContain('s3cret');
    expect(r.stdout + r.stderr).not.toContain(Buffer.from('ann:s3cret-pw').toString('base64'));
  });

  it('sends HEAD without reading a body', async () => {
    const r = await scrapeAll(['/e'], ['-X', 'HEAD']);
    expect(r.code).toBe(0);
    expect(r.records[0]).toMatchObject({ ok: true, status: 200, title: null });
    expect(seen[0]!.method).toBe('HEAD');
  });

  it('goes through --proxy in every mode, and NO_PROXY still exempts a host', async () => {
    const { url: proxyUrl, tunnels } = proxy;
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(https?|no)_proxy$/i.test(k)));
    for (const mode of [[], ['--threads', '2'], ['--procs', '2']]) {
      tunnels.length = 0;
      const r = await scrapeAll(['/via'], ['--proxy', proxyUrl, ...mode], env);
      expect(r.code, mode.join(' ')).toBe(0);
      expect(tunnels).toEqual([new URL(origin).host]);
    }
    tunnels.length = 0;
    const exempt = await scrapeAll(['/direct'], ['--proxy', proxyUrl], { ...env, NO_PROXY: '127.0.0.1' });
    expect(exempt.code).toBe(0);
    expect(tunnels).toEqual([]);
  });

  it("fills --data's {{field}} from each CSV row, encoded for the body's type, in every mode", async () => {
    const csv = join(dir, 'rows.csv');
    await writeFile(csv, `url,name,id\n${origin}/form,Ann & "Bo",1\n${origin}/form,é=2,2\n`);
    for (const mode of [[], ['--threads', '2'], ['--procs', '2']]) {
      seen.length = 0;
      const form = await runCli(['scrape', csv, '--column', 'url', '-q', '-c', '1', '--data', 'name={{name}}&id={{ id }}&raw=\\{{name}}', ...mode]);
      expect(form.code, mode.join(' ')).toBe(0);
      expect(seen.map((x) => x.body)).toEqual(['name=Ann+%26+%22Bo%22&id=1&raw={{name}}', 'name=%C3%A9%3D2&id=2&raw={{name}}']);
    }
    seen.length = 0;
    const json = await runCli(['scrape', csv, '--column', 'url', '-q', '-c', '1', '-X', 'PUT', '-H', 'Content-Type: application/json', '--data', '{"name":"{{name}}","n":{{id}}}']);
    expect(json.code).toBe(0);
    expect(seen.map((x) => JSON.parse(x.body))).toEqual([{ name: 'Ann & "Bo"', n: 1 }, { name: 'é=2', n: 2 }]);
    expect(seen.map((x) => x.method)).toEqual(['PUT', 'PUT']);
  });

  it('takes CSV columns named like an object\'s own properties (__proto__, toString) as fields, in every mode', async () => {
    const csv = join(dir, 'proto.csv');
    await writeFile(csv, `url,__proto__,toString\n${origin}/form,P,T\n`);
    for (const mode of [[], ['--threads', '2'], ['--procs', '2']]) {
      seen.length = 0;
      const r = await runCli(['scrape', csv, '--column', 'url', '--data', 'p={{__proto__}}&t={{toString}}', ...mode]);
      expect(r.code, mode.join(' ')).toBe(0);
      expect(seen.map((x) => x.body)).toEqual(['p=P&t=T']);
      expect(JSON.parse(r.stdout).input).toEqual(JSON.parse('{"__proto__":"P","toString":"T"}'));
    }
  });

  it('refuses a --data field the CSV lacks, or any field without --column, before the first request', async () => {
    const csv = join(dir, 'fields.csv');
    await writeFile(csv, `url,name\n${origin}/never,x\n`);
    const cases: [string[], RegExp][] = [
      [[csv, '--column', 'url', '--data', 'a={{nme}}'], /^fanout: --data uses \{\{nme\}\}, which is not a column of the input \(its other columns: name\) \(see/],
      [[csv, '--column', 'url', '--data', 'u={{url}}'], /^fanout: --data uses \{\{url\}\}, which is the URL column \(see/],
      [[await writeList(dir, 'plain.txt', [`${origin}/never`]), '--data', 'a={{name}}'], /^fanout: --data uses \{\{name\}\}, a field of a CSV row: give CSV input with --column/],
    ];
    seen.length = 0;
    for (const [args, message] of cases) {
      const r = await runCli(['scrape', ...args, '-q']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.split('\n')).toHaveLength(2);
    }
    expect(seen).toEqual([]);
  });

  it('refuses a --data field the header lacks when the CSV has a header and no rows, as with rows', async () => {
    const csv = join(dir, 'header-only.csv');
    await writeFile(csv, 'url,name\n');
    const r = await runCli(['scrape', csv, '--column', 'url', '--data', 'x={{nosuch}}', '-q']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^fanout: --data uses \{\{nosuch\}\}, which is not a column of the input \(its other columns: name\) \(see/);
    expect(r.stderr.split('\n')).toHaveLength(2);
    const known = await runCli(['scrape', csv, '--column', 'url', '--data', 'x={{name}}', '-q']);
    expect(known.code, known.stderr).toBe(0);
  });

  it('refuses a bad method, user, proxy or data file with one line and exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['-X', 'GET /x'], /^fanout: -X wants an HTTP method such as GET, POST or PUT, got 'GET \/x' \(see/],
      [['-u', 'no-colon'], /^fanout: -u wants 'user:password' \(see/],
      [['--proxy', 'socks://127.0.0.1:1'], /^fanout: --proxy wants an http:\/\/ or https:\/\/ URL, got 'socks:\/\/127.0.0.1:1' \(see/],
      [['--data-file', join(dir, 'missing')], /^fanout: --data-file .*missing: cannot read it: no such file or directory \(see/],
      [['--data', 'a', '--data-file', join(dir, 'body.json')], /^fanout: Arguments data and data-file are mutually exclusive \(see/],
    ];
    for (const [flags, message] of cases) {
      const r = await scrapeAll(['/never'], flags);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.split('\n')).toHaveLength(2);
    }
    expect(seen).toEqual([]);
  });
});
