/**
 * The CLI process: what bin/fanout.js runs (this file compiled, or its bundle). Workers asked for with
 * --threads/--procs start first, so that they load while the rest of the CLI does.
 */
import { prestartFromArgv } from './prestart.js';

const args = process.argv.slice(2);
prestartFromArgv(args);
const { main, exitWhenFlushed } = await import('./main.js');
// Exits once stdout and stderr have been written out, rather than wait for V8's idle work (see exit.ts).
await exitWhenFlushed(await main(args));
