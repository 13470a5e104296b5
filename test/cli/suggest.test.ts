import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('an unknown option', () => {
  it.each([
    [['scrape', '/dev/null', '--thread', '2'], "Unknown option: --thread (did you mean --threads?) (see 'fanout scrape --help')"],
    [['scrape', '/dev/null', '--timout=5'], 'Unknown option: --timout (did you mean --timeout?)'],
    [['scrape', '/dev/null', '--conc', '3'], 'Unknown option: --conc (did you mean --concurrency?)'],
    [['scrape', '/dev/null', '--perHst', '2'], 'Unknown option: --perHst (did you mean --per-host?)'],
    [['copy', 'a', 'b', '--dryrun'], "Unknown option: --dryrun (did you mean --dry-run?) (see 'fanout copy --help')"],
    [['copy', 'a', 'b', '--chekcsum'], 'Unknown option: --chekcsum (did you mean --checksum?)'],
    [['demo', '--quik'], "Unknown option: --quik (did you mean --quick?) (see 'fanout demo --help')"],
  ])('gets the nearest of the command\'s own options and a pointer to its help: %j', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`fanout: ${r.stderr.slice('fanout: '.length)}`);
    expect(r.stderr).toContain(message);
    expect(r.stderr.split('\n')).toHaveLength(2);
  });

  it('names each of several, with no guess where none is near', async () => {
    const r = await runCli(['scrape', '/dev/null', '--thred', '2', '--prcs', '2', '-x', '--no-such-flag']);
    expect(r.stderr).toBe(
      "fanout: Unknown options: --thred (did you mean --threads?), --prcs (did you mean --procs?), -x, --no-such-flag (see 'fanout scrape --help')\n",
    );
  });

  it('is never corrected to a hidden option', async () => {
    const r = await runCli(['copy', 'a', 'b', '--summary-jsn', 'x']);
    expect(r.stderr).toBe("fanout: Unknown option: --summary-jsn (see 'fanout copy --help')\n");
  });

  it('is reported in English whatever the locale, as the rest of the CLI is', async () => {
    const r = await runCli(['scrape', '/dev/null', '--thread', '2'], { env: { LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' } });
    expect(r.stderr).toContain('Unknown option: --thread (did you mean --threads?)');
  });

  it('leaves a stray argument as it was typed', async () => {
    const r = await runCli(['scrape', '/dev/null', 'extra']);
    expect(r.stderr).toBe("fanout: Unknown argument: extra (see 'fanout scrape --help')\n");
  });
});

describe('an unknown command', () => {
  it('is named, with the nearest command', async () => {
    const r = await runCli(['scrap', 'urls.txt']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("fanout: Unknown command: scrap (did you mean scrape?) (see 'fanout --help')\n");
  });
});
