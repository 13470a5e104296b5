import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prestartFromArgv } from '../../src/cli/prestart.js';
import { endPrestarted } from '../../src/engine/runtimes/prestart.js';
import { startSiteServer } from '../../fixtures/site-server.js';
import { preloading, runCli } from '../helpers/cli.js';

/** Ends every waiting worker of `mode` (so none is left for the next test); how many there were. */
const drain = endPrestarted;

afterEach(async () => {
  await drain('threads');
  await drain('procs');
});

describe('prestartFromArgv', () => {
  it('starts the first worker that `copy --threads N` will use (the pool starts the others as tasks arrive)', async () => {
    await prestartFromArgv(['copy', 'a', 'b', '--threads', '2']);
    expect(await drain('threads')).toBe(1);
  });

  it('reads --procs=N and scrape', async () => {
    await prestartFromArgv(['scrape', 'urls.txt', '--procs=1']);
    expect(await drain('procs')).toBe(1);
  });

  it.each([
    [['compare', 'scrape', 'urls.txt', '--threads', '2']],
    [['copy', 'a', 'b']],
    [['copy', 'a', 'b', '--threads', 'two']],
    [['copy', 'a', 'b', '--threads', '0']],
    [['copy', 'a', 'b', '--threads', '2', '--procs', '2']],
    [['copy', 'a', 'b', '--threads', '2', '--help']],
    [['copy', 'a', 'b', '--', '--threads', '2']],
  ])('starts nothing for %j (yargs has the last word on it)', async (argv) => {
    await prestartFromArgv(argv);
    expect((await drain('threads')) + (await drain('procs'))).toBe(0);
  });
});

describe('the CLI with --threads 2 or --procs 2', () => {
  it.each([['--threads'], ['--procs']])('scrapes one URL with %s 2 on one worker, the one started before the CLI loaded', async (flag) => {
    const site = await startSiteServer({ log: false });
    const dir = mkdtempSync(join(tmpdir(), 'fanout prestart '));
    try {
      const list = join(dir, 'one-url.txt');
      writeFileSync(list, `${site.urls[0]}/page/1\n`);
      const started = join(dir, 'workers.txt');
      writeFileSync(started, '');
      const r = await runCli(['scrape', list, '-o', join(dir, 'out.jsonl'), '-q', flag, '2'], { env: preloading('workers-started', { WORKERS_STARTED_FILE: started }) });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(readFileSync(join(dir, 'out.jsonl'), 'utf8'))).toMatchObject({ ok: true, status: 200 });
      // One: the pool adopted the worker started ahead rather than start its own, and started no second one.
      expect(readFileSync(started, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
    } finally {
      await site.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
