import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('a numeric option', () => {
  it.each([
    [['scrape', '/dev/null', '--timeout', 'abc'], "--timeout must be a number of seconds > 0 and <= 2147483, got 'abc'"],
    [['scrape', '/dev/null', '--timeout', '1e400'], "--timeout must be a number of seconds > 0 and <= 2147483, got '1e400'"],
    [['scrape', '/dev/null', '--connect-timeout=ten'], "--connect-timeout must be a number of seconds > 0 and <= 2147483, got 'ten'"],
    [['scrape', '/dev/null', '--idle-timeout', ''], "--idle-timeout must be a number of seconds > 0 and <= 2147483, got ''"],
    [['scrape', '/dev/null', '--max-retry-after', '1m'], "--max-retry-after must be a number of seconds > 0 and <= 2147483, got '1m'"],
    [['scrape', '/dev/null', '--retries', 'two'], "--retries must be a whole number >= 0, got 'two'"],
    [['scrape', '/dev/null', '--max-redirects', '2.5'], "--max-redirects must be a whole number >= 0, got '2.5'"],
    [['scrape', '/dev/null', '--per-host', 'x'], "--per-host must be a whole number >= 1, got 'x'"],
    [['scrape', '/dev/null', '--rate-per-host', 'fast'], "--rate-per-host must be a number of starts per second >= 0.001, got 'fast'"],
    [['scrape', '/dev/null', '-c', '2x'], "--concurrency must be a whole number >= 1, got '2x'"],
    [['copy', 'a', 'b', '--threads', 'two'], "--threads must be a whole number >= 1, got 'two'"],
    [['copy', 'a', 'b', '--procs', '-'], "--procs must be a whole number >= 1, got '-'"],
    [['compare', 'scrape', '/dev/null', '--runs', 'five'], "--runs must be a whole number >= 1, got 'five'"],
    [['compare', 'scrape', '/dev/null', '--warmup', 'none'], "--warmup must be a whole number >= 0, got 'none'"],
    [['compare', 'scrape', '/dev/null', '--workers', '1,two'], "--workers must be a whole number >= 1, got 'two'"],
    [['demo', '--runs', 'NaN'], "--runs must be a whole number >= 1, got 'NaN'"],
  ])('quotes what was typed when it is not a good number: %j', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`fanout: ${message} (see 'fanout ${args[0]} --help')\n`);
  });

  it('given twice counts the last time, as for most tools', async () => {
    const r = await runCli(['scrape', '/dev/null', '--timeout', '5', '--timeout', 'abc']);
    expect(r.stderr).toContain("got 'abc'");
    const ok = await runCli(['scrape', '/dev/null', '--quiet', '--timeout', 'abc', '--timeout', '5']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
  });

  it('is still shown as a number in the help', async () => {
    const r = await runCli(['scrape', '--help']);
    expect(r.stdout).toMatch(/--timeout\s.*\[number\] \[default: 30\]/);
    expect(r.stdout).toMatch(/--threads\s.*\[number\]/);
  });
});
