import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from '../helpers/cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fanout dash arg '));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh folder to run in, holding a tree named `-` (as `mkdir -` makes) and an empty tree named `src`. */
function cwd(name: string): string {
  const d = join(dir, name);
  mkdirSync(join(d, '-'), { recursive: true });
  writeFileSync(join(d, '-', 'a.txt'), 'from the folder named -\n');
  mkdirSync(join(d, 'src'));
  return d;
}

function expectUsageLine(r: CliResult, ...words: string[]): void {
  expect(r.code).toBe(2);
  expect(r.stderr.split('\n')).toHaveLength(2);
  for (const w of words) expect(r.stderr).toContain(w);
  expect(r.stderr).not.toContain('\u0000');
}

describe("a lone '-' on the command line", () => {
  it("is a folder named '-' as copy's SRC, as for cp -a - dst", async () => {
    const here = cwd('src');
    const r = await runCli(['copy', '-', 'out', '--quiet'], { cwd: here });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(here, 'out', 'a.txt'), 'utf8')).toBe('from the folder named -\n');
  });

  it("is a folder named '-' as copy's DST", async () => {
    const here = cwd('dst');
    writeFileSync(join(here, 'src', 'b.txt'), 'b\n');
    const r = await runCli(['copy', 'src', '-', '--quiet', '--force'], { cwd: here });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(here, '-', 'b.txt'), 'utf8')).toBe('b\n');
  });

  it('is stdin as scrape\'s input and stdout for -o', async () => {
    const r = await runCli(['scrape', '-', '-o', '-', '--quiet'], { input: 'not a url\n' });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ url: 'not a url', error: { code: 'INVALID_URL' } });
  });

  it.each([
    [['copy', 'src', 'out', '--log', '-'], '--log', "fanout copy --help"],
    [['copy', 'src', 'out', '--summary-json', '-'], '--summary-json', "fanout copy --help"],
    [['scrape', '/dev/null', '--save', '-'], '--save', "fanout scrape --help"],
    [['scrape', '/dev/null', '--summary-json', '-'], '--summary-json', "fanout scrape --help"],
    [['compare', 'copy', 'src', 'out', '--report', '-'], '--report', "fanout compare --help"],
    [['demo', '--report', '-'], '--report', "fanout demo --help"],
  ])("is refused, naming the option, where a file or folder is wanted and never a stream: %j", async (args, option, help) => {
    const here = cwd(`refused${option}${args[0]}`);
    const r = await runCli(args, { cwd: here });
    expectUsageLine(r, `${option} wants a`, "not '-'", 'write ./-', help);
    // Nothing was made under the name '-' or elsewhere.
    expect(existsSync(join(here, 'out'))).toBe(false);
    expect(existsSync(join(here, 'fanout-report'))).toBe(false);
  });

  it('is shown as typed in yargs\' own messages', async () => {
    expectUsageLine(await runCli(['scrape', '/dev/null', '--format', '-']), 'Given: "-"');
  });

  it.each([
    ['scrape', ['/dev/null']],
    ['copy', ['src', 'out', '--dry-run']],
    ['compare', ['copy', 'src', 'out', '--runs', '1', '--warmup', '0', '--modes', 'async']],
    ['demo', ['--quick']],
  ])("given to any option of %s, never reaches a message as a NUL byte", async (command, rest) => {
    const help = await runCli([command, '--help']);
    const options = valueOptions(help.stdout);
    expect(options.length).toBeGreaterThanOrEqual(2);
    const here = cwd(`every-${command}`);
    for (const option of options) {
      const r = await runCli([command, ...rest, option, '-', '--quiet'].filter((a) => command !== 'compare' || a !== '--quiet'), { cwd: here });
      expect(`${option}: ${r.stdout}${r.stderr}`).not.toContain('\u0000');
      expect(`${option}: ${r.stderr}`).not.toContain('internal error');
    }
  }, 180_000);
});

/** Every option the help lists that takes a value (not [boolean]), whichever line its type is wrapped onto. */
function valueOptions(help: string): string[] {
  const blocks = help.split(/\n(?=\s+(?:-\w, )?--[\w-])/);
  return blocks
    .map((b) => [/^\s+(?:-\w, )?(--[\w-]+)/.exec(b)?.[1], b] as const)
    .filter(([name, b]) => name && !b.includes('[boolean]'))
    .map(([name]) => name!);
}
