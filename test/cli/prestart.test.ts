import { afterEach, describe, expect, it } from 'vitest';
import { prestartFromArgv } from '../../src/cli/prestart.js';
import { endPrestarted } from '../../src/engine/runtimes/prestart.js';

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
