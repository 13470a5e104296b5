import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSiteServer, type SiteServer } from '../../fixtures/site-server.js';
import { smallFiles } from '../../fixtures/tree.js';
import { preloading, runCli } from '../helpers/cli.js';
import { needsBundle } from '../helpers/bundle.js';

/**
 * What a short command pays for at start-up: Node's own modules load on first use, so a plain-HTTP scrape or a
 * local copy never loads TLS, HTTP/2 or the machinery of a runtime it does not use (each ~1-7 ms).
 */
let site: SiteServer;
let dir: string;
beforeAll(async () => {
  site = await startSiteServer({ log: false });
  dir = mkdtempSync(join(tmpdir(), 'fanout startup builtins '));
});
afterAll(async () => {
  await site.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI; resolves with the built-in modules it loaded. */
async function builtinsOf(args: string[]): Promise<string[]> {
  const file = join(dir, 'builtins.txt');
  rmSync(file, { force: true });
  const r = await runCli(args, { env: preloading('builtins-loaded', { BUILTINS_LOADED_FILE: file }) });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

describe('start-up', () => {
  it('scrapes a plain-HTTP URL without loading TLS, HTTP/2, crypto, child processes or worker threads', async (ctx) => {
    needsBundle(ctx);
    const list = join(dir, 'one-url.txt');
    writeFileSync(list, `${site.urls[0]}/page/1\n`);
    const out = join(dir, 'out.jsonl');
    const loaded = await builtinsOf(['scrape', list, '-o', out, '-q']);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ ok: true, status: 200 });
    expect(loaded).toContain('net'); // the fixture saw the run
    expect(loaded.filter((m) => /^(tls|http2|crypto|child_process|worker_threads)$/.test(m))).toEqual([]);
  });

  it('copies a folder without loading HTTP, TLS or child processes', async (ctx) => {
    needsBundle(ctx);
    const src = join(dir, 'src');
    smallFiles(src, 5);
    const loaded = await builtinsOf(['copy', src, join(dir, 'dst'), '-q']);
    expect(readFileSync(join(dir, 'dst', 'd0', 'e0', 'f4.txt'))).toEqual(readFileSync(join(src, 'd0', 'e0', 'f4.txt')));
    expect(loaded.filter((m) => /^(tls|https?|http2|child_process)$/.test(m))).toEqual([]);
  });
});
