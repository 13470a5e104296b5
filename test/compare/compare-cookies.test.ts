import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCookieSite, type CookieSite } from '../../fixtures/cookie-site.js';
import { runCli, writeList } from '../helpers/cli.js';

let site: CookieSite;
let dir: string;
beforeAll(async () => {
  site = await startCookieSite();
  dir = await mkdtemp(join(tmpdir(), 'fanout compare cookies '));
});
afterAll(async () => {
  await site.close();
  await rm(dir, { recursive: true, force: true });
});

describe('compare scrape with -b FILE --cookie-jar FILE', () => {
  it("starts every run from the same cookies and leaves the user's jar as it was", async () => {
    // A page behind a login, then the login: its result depends on the cookies the run starts from.
    const list = await writeList(dir, 'urls.txt', [`${site.url}/private`, `${site.url}/login`, `${site.url}/private`]);
    const jar = join(dir, 'jar.txt');
    await writeFile(jar, '');
    const r = await runCli(['compare', 'scrape', list, '-c', '1', '-b', jar, '--cookie-jar', jar,
      '--modes', 'async,threads', '--workers', '1', '--runs', '1', '--warmup', '0', '--report', join(dir, 'report')]);
    expect(r.stdout).not.toMatch(/disagree|differs/);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await readFile(jar, 'utf8')).toBe('');
  }, 120_000);
});
