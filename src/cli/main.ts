/** The CLI: yargs parses and validates, a library call does the work, and exit codes are decided here. */
import yargs, { type Argv } from 'yargs';
import { EXIT, UsageError } from './exit-codes.js';
import { commands } from './commands/index.js';
import type { Command } from './commands/command.js';
import { protectDash, restoreDashes, visible } from './dash-arg.js';
import { unknownArgumentsMessage } from './suggest.js';
import { lastWins, quietOrProgress } from './last-wins.js';

import { watchStdio } from './exit.js';
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
  const e = err as { code?: string; message?: string };
  if (err instanceof UsageError || e?.code === 'USAGE' || !(err instanceof Error)) {
    // One line, whatever yargs wrapped ("Invalid values:\n  Argument: …"), with the pointer to --help on it.
    const message = visible((e?.message ?? String(err)).replace(/\s*\n\s*/g, ' '));
    process.stderr.write(`fanout: ${message} (see '${help}')\n`);
    return EXIT.USAGE;
  }
  // An error with a stable code is a known failure mode (a refusal, a full disk): one line, no stack.
  if (typeof e.code === 'string') {
    // Node's system errors already start with their code ('EACCES: permission denied, open …').
    const text = visible(e.message?.startsWith(`${e.code}:`) ? e.message : `${e.code}: ${e.message}`);
    process.stderr.write(`fanout: ${text}\n`);
    return EXIT.USAGE;
  }
  process.stderr.write(`fanout: internal error: ${visible(err.stack ?? err.message)}\n`);
  return EXIT.USAGE;
}
