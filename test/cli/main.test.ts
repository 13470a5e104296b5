import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('fanout CLI', () => {
  it('prints its version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('lists every command in --help', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['scrape', 'copy', 'compare', 'demo']) expect(r.stdout).toContain(`fanout ${c}`);
  });

  it.each([['compare', 'fanout compare scrape urls.txt'], ['demo', 'fanout demo --quick']])(
    'shows `%s --help` with its examples written as a user types them',
    async (command, example) => {
      const r = await runCli([command, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(example);
      expect(r.stdout).not.toContain(`${command} ${command}`);
    },
  );

  it.each([
    [['bogus'], 'Unknown argument: bogus'],
    [[], 'name a command'],
    [['scrape', 'x', '--no-such-flag'], 'Unknown option: --no-such-flag'],
    [['scrape', '/nonexistent/list.txt'], 'input file not found: /nonexistent/list.txt'],
    [['scrape', 'x', '--threads', '2', '--procs', '2'], '--threads and --procs cannot be combined'],
    [['scrape', 'x', '--threads', '0'], '--threads must be a whole number >= 1'],
    [['scrape', 'x', '--select', 'nocss'], '--select wants name=css'],
    [['scrape', 'x', '--resume'], '--resume needs -o FILE'],
    [['scrape', 'x', '--max-bytes', 'lots'], '--max-bytes must be a size'],
    [['scrape', 'x', '--timeout', '1e400'], "--timeout must be a number of seconds > 0 and <= 2147483, got '1e400'"],
    [['scrape', 'x', '--max-retry-after', '3000000'], '--max-retry-after must be a number of seconds > 0 and <= 2147483'],
    [['scrape', 'x', '--rate-per-host', '1e-9'], '--rate-per-host must be a number of starts per second >= 0.001'],
    [['scrape', 'x', '--select', 'p=div[[['], '--select p=div[[['],
    [['copy', '/tmp', '/tmp/x', '--unordered'], 'Unknown option: --unordered'],
    [['scrape', 'x', '--threads'], 'Not enough arguments following: threads'],
    [['scrape', 'x', '--timeout'], 'Not enough arguments following: timeout'],
    [['scrape', 'x', '--format', 'xml'], 'Invalid values: Argument: format, Given: "xml"'],
  ])('answers a usage error %j with exit 2 and one clear line, no stack trace', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr.split('\n')).toHaveLength(2); // one line and its newline
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });
});
