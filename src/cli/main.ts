/** The CLI: yargs parses and validates, a library call does the work, and exit codes are decided here. */
import yargs, { type Argv } from 'yargs';
import { EXIT, UsageError } from './exit-codes.js';
import { isFanoutError } from '../engine/errors.js';
import { commands } from './commands/index.js';
import type { Command } from './commands/command.js';
import { protectDash, restoreDashes, visible } from './dash-arg.js';
import { unknownArgumentsMessage } from './suggest.js';
import { lastWins, quietOrProgress } from './last-wins.js';

import { watchStdio } from './exit.js';
import { alsoFailed } from '../util/first-failure.js';
import { packageJson } from '../util/package-root.js';

export { exitWhenFlushed } from './exit.js';


export async function main(argv: string[]): Promise<number> {
  watchStdio();
  let code: number = EXIT.OK;
  const args = protectDash(argv);
  const named = commands.find((c) => c.command.split(' ')[0] === args[0]);
  const help = named ? `fanout ${args[0]} --help` : 'fanout --help';
  const positionals = [...(named?.command ?? '').matchAll(/[<[]([\w-]+)/g)].map((m) => m[1]!);
  const cli = yargs(named ? args.slice(1) : args)
    .version(packageJson().version)
    // Messages in the language of the rest of the CLI, whatever LANG says (and in the words suggest.ts reads).
    .locale('en')
    .strict()
    .wrap(Math.min(110, process.stdout.columns || 110))
    // First of all: no check and no command sees the stand-in for a lone `-` (dash-arg.ts), or an array of values
    // for an option that takes one.
    .middleware((parsed) => {
      restoreDashes(parsed);
      const { array, alias } = (cli as unknown as { getOptions(): { array: string[]; alias: Record<string, string[]> } }).getOptions();
      // A variadic positional (compare's [args..]) is no option, and not among yargs' arrays.
      lastWins(parsed, [...array, ...positionals], alias);
      quietOrProgress(parsed, args);
    }, true)
    .fail((msg, err) => {
      // yargs' own validation errors (a flag without its value: YError) are usage errors too, not internal ones.
      if (err && err.name !== 'YError') throw err;
      throw new UsageError(betterMessage(msg ?? err?.message ?? '', argv, cli));
    });
  const handler = (c: Command) => async (parsed: Record<string, any>) => {
    code = await c.run(parsed);
  };
  if (named) {
    // The command is known from the first word: it alone is declared, as the default command. (yargs renders a
    // named command's whole help text before running it, in case the handler asks for it: 20-50 ms per run.)
    cli.scriptName(`fanout ${args[0]}`).command(named.command.replace(/^\S+/, '$0'), named.describe, named.builder, handler(named));
  } else {
    cli
      .scriptName('fanout')
      .usage('$0 <command> [options]\n\nRun batch I/O work across an async, threads or procs pool, and measure which is fastest.')
      .demandCommand(1, 'name a command: scrape, copy, compare, demo or worker')
      .recommendCommands();
    for (const c of commands) cli.command(c.command, c.describe, c.builder, handler(c));
  }
  try {
    await cli.parseAsync();
    return code;
  } catch (err) {
    return reportError(err, help);
  }
}

/** yargs' message, with a mistyped option's nearest known one, or a mistyped command named. */
function betterMessage(msg: string, argv: string[], y: Argv): string {
  const unknown = /^Unknown arguments?: (.*)$/.exec(msg);
  if (unknown) {
    // getOptions() is on yargs' instance, not in its typings.
    const options = (y as unknown as { getOptions(): unknown }).getOptions() as { key: Record<string, unknown>; alias: Record<string, string[]>; hiddenOptions: string[] };
    const hidden = new Set(options.hiddenOptions.flatMap((h) => [h, ...(options.alias[h] ?? [])]));
    const known = [...Object.keys(options.key), ...Object.values(options.alias).flat()]
      // camelCase spellings are accepted, but the help shows the dashed ones.
      .filter((k) => k !== '$0' && !hidden.has(k) && !/[A-Z]/.test(k));
    return unknownArgumentsMessage(unknown[1]!.split(', '), argv, known);
  }
  // recommendCommands() says only "Did you mean scrape?".
  if (/^Did you mean /.test(msg) && argv[0] !== undefined) return `Unknown command: ${argv[0]} (${msg.replace(/^D/, 'd')})`;
  return msg;
}

function reportError(err: unknown, help: string): number {
  const code = reportOne(err, help);
  // Failures that came after the one deciding the exit code (first-failure.ts): each said too, one line each.
  for (const later of alsoFailed(err)) reportOne(later, help);
  return code;
}

function reportOne(err: unknown, help: string): number {
  if (err instanceof UsageError || (isFanoutError(err) && err.code === 'USAGE')) {
    // One line, whatever yargs wrapped ("Invalid values:\n  Argument: …"), with the pointer to --help on it.
    process.stderr.write(`fanout: ${oneLine(err.message)} (see '${help}')\n`);
    return EXIT.USAGE;
  }
  // A FanoutError is a known failure mode (a refusal, a full disk): one line with its stable code, no stack.
  if (isFanoutError(err)) {
    // A message that wraps a system error may already start with its code ('EACCES: permission denied, open …').
    process.stderr.write(`fanout: ${oneLine(err.message.startsWith(`${err.code}:`) ? err.message : `${err.code}: ${err.message}`)}\n`);
    return EXIT.USAGE;
  }
  // A system call that failed where no job wraps it (writing --summary-json or compare's report to a full disk):
  // the machine's trouble, not fanout's; Node's message starts with its errno ('ENOSPC: no space left on device').
  if (isSystemError(err)) {
    process.stderr.write(`fanout: ${oneLine(err.message)}\n`);
    return EXIT.USAGE;
  }
  // Anything else is a bug: its own exit code, so a script can tell it from a mistake of its own.
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`fanout: internal error: ${oneLine(message)} (${DEBUG_ENV}=1 shows the stack; please report it)\n`);
  if (process.env[DEBUG_ENV] === '1' && err instanceof Error && err.stack) process.stderr.write(`${visible(err.stack)}\n`);
  return EXIT.INTERNAL;
}

/** FANOUT_DEBUG=1: an internal error's stack trace goes to stderr under its one line. */
const DEBUG_ENV = 'FANOUT_DEBUG';

function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).errno === 'number' && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

function oneLine(text: string): string {
  return visible(text.replace(/\s*\n\s*/g, ' '));
}
