import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConnectProxy, type ConnectProxy } from '../../fixtures/connect-proxy.js';
import { startCookieSite, type CookieSite } from '../../fixtures/cookie-site.js';
import { parseJsonl, runCli, writeList } from '../helpers/cli.js';

let site: CookieSite;
let dir: string;
/** A CONNECT proxy that sends every host name to the cookie site, so cookies can be set for names (Domain=). */
let proxy: ConnectProxy;

beforeAll(async () => {
  site = await startCookieSite();
  proxy = await startConnectProxy({ to: site.port });
  dir = await mkdtemp(join(tmpdir(), 'fanout scrape cookies '));
});
afterAll(async () => {
  await proxy.close();
  await site.close();
  await rm(dir, { recursive: true, force: true });
});

interface Rec {
  url: string;
  finalUrl: string | null;
  ok: boolean;
  status: number | null;
  title: string | null;
}

const SESSION = ['/login', '/private', '/login-redirect', '/scoped', '/app/x', '/other', '/logout', '/private', '/old', '/page'];

/** What the server saw each time (its title), and the status. */
const seen = (records: Rec[]) => records.map((r) => [r.status, r.title]);

describe('cookies kept across a run (-b, --cookie-jar)', () => {
  it('logs in, carries the session and a redirect hop\'s cookie, honours Path and expiry, in every mode', async () => {
    const list = await writeList(dir, 'session.txt', SESSION.map((p) => `${site.url}${p}`));
    const expected = [
      [200, 'cookie:'],
      [200, 'cookie: session=abc'],
      [200, 'cookie: session=abc; hop=1'], // /private-hop needed the cookie its redirect set
      [200, 'cookie: session=abc; hop=1'],
      [200, 'cookie: scoped=1; session=abc; hop=1'], // Path=/app, the longer path first
      [200, 'cookie: session=abc; hop=1'],
      [200, 'cookie: session=abc; hop=1'],
      [403, 'cookie: hop=1'], // Max-Age=0 removed the session
      [200, 'cookie: hop=1'],
      [200, 'cookie: hop=1'], // an Expires in the past is never stored
    ];
    const jars: string[] = [];
    for (const mode of [[], ['--threads', '2'], ['--procs', '2']]) {
      const jar = join(dir, `jar${mode.join('')}.txt`);
      const r = await runCli(['scrape', list, '-c', '1', '--cookie-jar', jar, '-q', ...mode]);
      expect(r.stderr, mode.join(' ')).toBe('');
      expect(r.code).toBe(1);
      const records = parseJsonl<Rec>(r.stdout);
      expect(seen(records), mode.join(' ')).toEqual(expected);
      expect(records[2]!.finalUrl).toBe(`${site.url}/private-hop`);
      jars.push(await readFile(jar, 'utf8'));
    }
    // The same jar from every mode, but for when the hour-long cookie expires (counted from each run's own clock).
    const sameButExpiry = (text: string) => text.replace(/\t\d{6,}\tscoped/, '\tEXPIRY\tscoped');
    expect(sameButExpiry(jars[1]!)).toEqual(sameButExpiry(jars[0]!));
    expect(sameButExpiry(jars[2]!)).toEqual(sameButExpiry(jars[0]!));
    const lines = jars[0]!.split('\n').filter((l) => l && !l.startsWith('# '));
    expect(lines).toHaveLength(2);
    expect(lines).toContain('#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\thop\t1');
    const scoped = lines.find((l) => l.includes('scoped'))!.split('\t');
    expect(scoped.slice(0, 4)).toEqual(['127.0.0.1', 'FALSE', '/app', 'FALSE']);
    expect(Number(scoped[4]) * 1000 - Date.now()).toBeGreaterThan(3_000_000); // Max-Age=3600, in Unix seconds
    expect(scoped.slice(5)).toEqual(['scoped', '1']);
  });

  it('keeps the cookies of an answer that is retried (503 with Set-Cookie), so the retry sends them, in every mode', async () => {
    const list = await writeList(dir, 'busy.txt', [`${site.url}/busy`]);
    for (const mode of [[], ['--threads', '2'], ['--procs', '2']]) {
      const jar = join(dir, `busy-jar${mode.join('')}.txt`);
      const r = await runCli(['scrape', list, '--retries', '1', '--cookie-jar', jar, '-q', ...mode]);
      expect(r.stderr, mode.join(' ')).toBe('');
      expect(r.code, mode.join(' ')).toBe(0);
      const [record] = parseJsonl<Rec & { attempts: number }>(r.stdout);
      expect([record!.status, record!.title, record!.attempts], mode.join(' ')).toEqual([200, 'cookie: gate=1', 2]);
      expect(await readFile(jar, 'utf8')).toContain('127.0.0.1\tFALSE\t/\tFALSE\t0\tgate\t1\n');
    }
  });

  it('starts from a cookie file (-b FILE) or from NAME=VALUE pairs, and a missing file is an empty jar', async () => {
    const file = join(dir, 'start.txt');
    await writeFile(file, `# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/app\tFALSE\t0\tfrom\tfile\n#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc\nnot a cookie line\n`);
    const list = await writeList(dir, 'start-list.txt', [`${site.url}/app/x`, `${site.url}/private`, `${site.url}/other`]);
    const fromFile = await runCli(['scrape', list, '-c', '1', '-b', file, '-q']);
    expect(fromFile.code).toBe(0);
    expect(seen(parseJsonl<Rec>(fromFile.stdout))).toEqual([[200, 'cookie: from=file; session=abc'], [200, 'cookie: session=abc'], [200, 'cookie: session=abc']]);

    const pairs = await runCli(['scrape', await writeList(dir, 'pairs.txt', [`${site.url}/login`, `${site.url}/private`]), '-c', '1', '-b', 'a=1; b=2', '-q']);
    expect(pairs.code).toBe(0);
    expect(seen(parseJsonl<Rec>(pairs.stdout))).toEqual([[200, 'cookie: a=1; b=2'], [200, 'cookie: a=1; b=2; session=abc']]);

    const missing = await runCli(['scrape', list, '-b', join(dir, 'no-such-jar.txt'), '--cookie-jar', join(dir, 'made.txt'), '-q']);
    expect(missing.code).toBe(1); // /private: no session
    expect(await readFile(join(dir, 'made.txt'), 'utf8')).toMatch(/^# Netscape HTTP Cookie File\n/);
  });

  it('refuses a -b FILE it cannot read, and a --cookie-jar it cannot write, with one line and exit 2', async () => {
    const list = await writeList(dir, 'refuse.txt', [`${site.url}/login`]);
    await mkdir(join(dir, 'a folder'), { recursive: true });
    const unreadable = await runCli(['scrape', list, '-b', join(dir, 'a folder'), '-q']);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toMatch(/^fanout: -b .*a folder: cannot read it: .*\n$/);
    const unwritable = await runCli(['scrape', list, '--cookie-jar', join(dir, 'no-such-dir', 'jar.txt'), '-q']);
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toMatch(/^fanout: --cookie-jar .*jar.txt: cannot write in its folder: .*\n$/);
    expect(unwritable.stdout).toBe(''); // refused before the first request
    const folder = await runCli(['scrape', list, '--cookie-jar', join(dir, 'a folder'), '-q']);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/^fanout: --cookie-jar .*a folder: it is a directory/);
  });

  it('refuses a --cookie-jar that is the URL list or the -o file (it would replace them at the end), before the first request', async () => {
    const list = await writeList(dir, 'jar is list.txt', [`${site.url}/login`]);
    const asList = await runCli(['scrape', list, '--cookie-jar', list, '-q']);
    expect(asList.code).toBe(2);
    expect(asList.stderr).toMatch(/^fanout: --cookie-jar .*jar is list.txt: it is the input file.*\n$/);
    expect(asList.stdout).toBe('');
    expect(await readFile(list, 'utf8')).toBe(`${site.url}/login\n`);
    const out = join(dir, 'jar is out.jsonl');
    const asOutput = await runCli(['scrape', list, '-o', out, '--cookie-jar', join(dir, '.', 'jar is out.jsonl'), '-q']);
    expect(asOutput.code).toBe(2);
    expect(asOutput.stderr).toMatch(/^fanout: --cookie-jar .*jar is out.jsonl: it is the -o file.*\n$/);
  });

  it('applies Domain and Secure by host name: a parent-domain cookie reaches its sibling host, never another site', async () => {
    const proxyUrl = proxy.url;
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(https?|no)_proxy$/i.test(k)));
    const list = await writeList(dir, 'names.txt', [
      'http://www.example.test/domain', 'http://www.example.test/secure', 'http://shop.example.test/page', 'http://other.test/page', 'http://www.example.test/page',
    ]);
    const jar = join(dir, 'names-jar.txt');
    const r = await runCli(['scrape', list, '-c', '1', '--proxy', proxyUrl, '--cookie-jar', jar, '-q'], { env });
    expect(r.code).toBe(0);
    expect(seen(parseJsonl<Rec>(r.stdout))).toEqual([
      [200, 'cookie:'], [200, 'cookie: wide=1'], [200, 'cookie: wide=1'], [200, 'cookie:'], [200, 'cookie: wide=1'], // no sec=1 over http
    ]);
    expect((await readFile(jar, 'utf8')).split('\n').filter((l) => l && !l.startsWith('#'))).toEqual(['.example.test\tTRUE\t/\tFALSE\t0\twide\t1']);
  });

  it.skipIf(!hasCurl())('writes a jar that curl -b reads and sends', async () => {
    const jar = join(dir, 'for-curl.txt');
    const r = await runCli(['scrape', await writeList(dir, 'curl.txt', [`${site.url}/login`, `${site.url}/scoped`]), '-c', '1', '--cookie-jar', jar, '-q']);
    expect(r.code).toBe(0);
    // Not execFileSync: the server answering curl runs in this process.
    const page = await new Promise<string>((resolve, reject) =>
      execFile('curl', ['-s', '--noproxy', '*', '-b', jar, `${site.url}/app/x`], (err, stdout) => (err ? reject(err) : resolve(stdout))));
    expect(page).toBe('<title>cookie: scoped=1; session=abc</title>');
  });
});

function hasCurl(): boolean {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
