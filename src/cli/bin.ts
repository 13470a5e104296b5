/**
 * The CLI process: what bin/fanout.js runs (this file compiled, or its bundle). It loads only what the command
 * line needs: `fanout --version` alone needs no parser, and workers asked for with --threads/--procs start
 * before the parser and the job load, so that they load meanwhile.
 */
import { prestartFromArgv } from './prestart.js';
import { packageJson } from '../util/package-root.js';

const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  process.stdout.write(`${packageJson().version}\n`);
} else {
  await prestartFromArgv(args);
  const { main, exitWhenFlushed } = await import('./main.js');
  // Exits once stdout and stderr have been written out, rather than wait for V8's idle work (see exit.ts).
  await exitWhenFlushed(await main(args));
}
