import { afterEach, describe, expect, it } from 'vitest';
import { prestartFromArgv } from '../../src/cli/prestart.js';
import { takePrestarted } from '../../src/engine/runtimes/prestart.js';
import type { Channel, Mode } from '../../src/engine/runtimes/channel.js';

/** Takes every waiting worker of `mode` (so none is left for the next test) and ends them. */
async function drain(mode: Mode): Promise<number> {
  const taken: Channel[] = [];
  for (let c = takePrestarted(mode); c; c = takePrestarted(mode)) taken.push(c);
  await Promise.all(taken.map((c) => c.terminate(0)));
  return taken.length;
}

afterEach(async () => {
  await drain('threads');
  await drain('procs');
});

describe('prestartFromArgv', () => {
  it('starts the workers that `copy --threads N` will use', async () => {
    prestartFromArgv(['copy', 'a', 'b', '--threads', '2']);
    expect(await drain('threads')).toBe(2);
  });

  it('reads --procs=N and scrape', async () => {
    prestartFromArgv(['scrape', 'urls.txt', '--procs=1']);
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
    prestartFromArgv(argv);
    expect((await drain('threads')) + (await drain('procs'))).toBe(0);
  });
});
