import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSiteServer, type SiteServer } from '../../fixtures/site-server.js';
import { parseJsonl, runCli, writeList } from '../helpers/cli.js';

let site: SiteServer;
let dir: string;
let input: string;
beforeAll(async () => {
  site = await startSiteServer({ hosts: 1, robots: 'User-agent: *\nDisallow: /page/private\n' });
  dir = await mkdtemp(join(tmpdir(), 'fanout scrape robots '));
  input = await writeList(dir, 'urls.txt', [`${site.url}/page/open`, `${site.url}/page/private-a`, `${site.url}/page/private-b`]);
});
afterAll(async () => {
  await site.close();
  await rm(dir, { recursive: true, force: true });
});

const codes = (stdout: string) => parseJsonl<{ error: { code: string } | null }>(stdout).map((r) => r.error?.code ?? null);

describe('fanout scrape and robots.txt', () => {
  it('says in the summary how many URLs robots.txt refused under --respect-robots', async () => {
    site.reset();
    const r = await runCli(['scrape', input, '--respect-robots']);
    expect(r.code).toBe(1);
    expect(codes(r.stdout)).toEqual([null, 'ROBOTS_DISALLOWED', 'ROBOTS_DISALLOWED']);
    expect(r.stderr).toMatch(/^done: 3 urls, 1 ok, 2 failed \(robots.txt refused 2\) in /);
    expect(site.log.some((e) => e.path.startsWith('/page/private'))).toBe(false);
  });

  it('fetches what robots.txt disallows by default and with --no-respect-robots, without consulting it', async () => {
    for (const flags of [[], ['--respect-robots', '--no-respect-robots']]) {
      site.reset();
      const r = await runCli(['scrape', input, ...flags]);
      expect(r.code).toBe(0);
      expect(codes(r.stdout)).toEqual([null, null, null]);
      expect(r.stderr).toMatch(/^done: 3 urls, 3 ok, 0 failed in /);
      expect(site.log.map((e) => e.path)).not.toContain('/robots.txt');
    }
  });
});
