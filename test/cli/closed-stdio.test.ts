/** A stdout or stdin the parent closed is an error, as it is for cat: nothing is silently lost (needs a build). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSiteServer, type SiteServer } from '../../fixtures/site-server.js';
import { BIN } from '../helpers/cli.js';

let dir: string;
let site: SiteServer;
let list: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fanout closed stdio '));
  site = await startSiteServer();
  list = join(dir, 'urls.txt');
  writeFileSync(list, `${site.url}/page/closed\n`);
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'a.txt'), 'a\n');
});
afterAll(async () => {
  await site.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs fanout through sh with `redirect` applied (`>&-` closes stdout; Node's spawn cannot close a descriptor). */
function fanoutWith(redirect: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  // Pipes, not 'ignore': Node's spawn opens /dev/null read-write for an ignored descriptor, as if it were closed.
  const child = spawn('sh', ['-c', `exec "$0" "$@" ${redirect}`, process.execPath, BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin!.end();
  child.stdout!.resume();
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe('a closed stdout or stdin', () => {
  it.each([
    ['scrape to stdout', () => ['scrape', list, '--quiet'], /^fanout: EBADF: stdout is closed: the records would be lost \(give -o FILE, or >\/dev\/null to discard it\)\n$/],
    ['copy --dry-run', () => ['copy', join(dir, 'src'), join(dir, 'dry-dst'), '--dry-run', '--quiet'], /^fanout: EBADF: stdout is closed: the plan would be lost/],
    ['compare --json', () => ['compare', 'scrape', list, '--modes', 'async', '--runs', '1', '--warmup', '0', '--report', join(dir, 'no-report'), '--json'], /^fanout: EBADF: stdout is closed: the JSON report would be lost/],
  ])('fails %s with EBADF, exit 2 and one line, before any work', async (_name, args, message) => {
    const before = site.log.length;
    const r = await fanoutWith('>&-', args());
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(site.log.length).toBe(before);
    expect(existsSync(join(dir, 'no-report'))).toBe(false);
  });

  it('fails scrape - with EBADF when stdin is closed, rather than read an empty list and exit 0', async () => {
    const r = await fanoutWith('<&-', ['scrape', '-', '--quiet']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^fanout: EBADF: stdin is closed: the input - has no URL list to read .*\n$/);
  });

  it('still takes >/dev/null and </dev/null, and a closed stdout when the records go to -o', async () => {
    expect((await fanoutWith('>/dev/null', ['scrape', list, '--quiet'])).code).toBe(0);
    expect((await fanoutWith('>/dev/null', ['copy', join(dir, 'src'), join(dir, 'dry-dst'), '--dry-run', '--quiet'])).code).toBe(0);
    expect((await fanoutWith('</dev/null', ['scrape', '-', '--quiet'])).code).toBe(0);
    expect((await fanoutWith('>&-', ['scrape', list, '--quiet', '-o', join(dir, 'out.jsonl')])).code).toBe(0);
  });
});
