/**
 * `fanout <command> --help` shows each example whole, whatever the terminal's width: yargs'
 * two-column example layout caps the command column at half the width and splits a longer command mid-line.
 */
import { spawnSync } from 'node:child_process';
import yargs, { type Argv } from 'yargs';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.js';
import type { Command } from '../../src/cli/commands/command.js';
import { BIN, runCli } from '../helpers/cli.js';

/** The examples a command declares: its builder run against a stand-in that records `.example()` calls. */
function declaredExamples(c: Command): string[] {
  const texts: string[] = [];
  const stand: Argv = new Proxy({} as Argv, {
    get: (_t, name) =>
      name === 'example'
        ? (cmd: string, description?: string) => {
            texts.push(...[cmd, description ?? ''].map((t) => t.replace(/\$0/g, `fanout ${c.command.split(' ')[0]}`)).filter(Boolean));
            return stand;
          }
        : () => stand,
  });
  c.builder(stand);
  return texts;
}

/** The help as main.ts builds it for `fanout <command> --help`, at a given wrap width. */
async function helpAt(c: Command, wrap: number): Promise<string> {
  let text = '';
  await yargs(['--help'])
    .scriptName(`fanout ${c.command.split(' ')[0]}`)
    .wrap(wrap)
    .exitProcess(false)
    .command(c.command.replace(/^\S+/, '$0'), c.describe, c.builder, () => {})
    .parseAsync(['--help'], {}, (_err, _argv, output) => {
      text = output;
    });
  return text;
}

function examplesSection(help: string): string[] {
  const lines = help.split(/\r?\n/);
  const from = lines.findIndex((l) => l.trim() === 'Examples:');
  expect(from, help).toBeGreaterThanOrEqual(0);
  const rest = lines.slice(from + 1);
  const end = rest.findIndex((l) => l.trim() !== '' && !l.startsWith(' '));
  return end < 0 ? rest : rest.slice(0, end);
}

const withExamples = commands.filter((c) => declaredExamples(c).length > 0);

describe('examples in --help', () => {
  it('covers the commands that have examples', () => {
    expect(withExamples.map((c) => c.command.split(' ')[0])).toEqual(expect.arrayContaining(['compare', 'demo']));
  });

  for (const c of withExamples) {
    const name = c.command.split(' ')[0];
    it.each([80, 110, 200])(`shows every example of \`${name} --help\` whole, within the width, at %i columns`, async (wrap) => {
      const section = examplesSection(await helpAt(c, wrap));
      for (const text of declaredExamples(c)) expect(section.some((l) => l.includes(text)), `'${text}' whole at ${wrap}:\n${section.join('\n')}`).toBe(true);
      for (const line of section) expect(line.length, line).toBeLessThanOrEqual(wrap);
    });
  }

  it('shows `compare --help` examples whole when printed to a pipe (the width a 200-column terminal gets too)', async () => {
    const r = await runCli(['compare', '--help']);
    expect(r.code).toBe(0);
    const section = examplesSection(r.stdout);
    for (const text of declaredExamples(commands.find((c) => c.command.startsWith('compare'))!)) expect(section.some((l) => l.includes(text)), r.stdout).toBe(true);
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript).each([80, 200])('shows `compare --help` examples whole on a real %i-column terminal', (cols) => {
    // script(1) gives the CLI a pseudo-terminal of that width, as a user's terminal would.
    const r = spawnSync('script', ['-qec', `stty cols ${cols} rows 50; "${process.execPath}" "${BIN}" compare --help`, '/dev/null'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const section = examplesSection(r.stdout);
    for (const text of declaredExamples(commands.find((c) => c.command.startsWith('compare'))!)) expect(section.some((l) => l.includes(text)), r.stdout).toBe(true);
  });
});
