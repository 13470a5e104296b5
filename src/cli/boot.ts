/**
 * What bin/fanout.js runs when the CLI is bundled: the workers the arguments ask for start here (prestart.ts's
 * peek), before the CLI bundle is even read, so that their own start-up overlaps all of the CLI's; then the CLI
 * bundle runs through V8's code cache (script-cache.ts). Built as dist/bundle/boot.cjs, CommonJS like the shim:
 * no ES module loader starts before a command needs one (~5 ms of every start-up).
 */
import { enableCompileCache } from './compile-cache.js';
import { workersAhead } from './prestart.js';
import { WORKERS_STARTED_AHEAD } from './boot-flags.js';
import { prestart } from '../engine/runtimes/prestart.js';
import { runWithCodeCache } from './script-cache.js';

/** Runs the CLI bundle `cli` (a path) for the command line `argv` (without node and the script). */
export function boot(cli: string, argv: readonly string[]): void {
  // Node's code cache, where it has a safe one, for the ES modules a command loads by URL (compile-cache.ts).
  enableCompileCache();
  const ahead = workersAhead(argv);
  if (ahead) prestart(ahead.mode, ahead.count, ahead.taskModule);
  (globalThis as { [WORKERS_STARTED_AHEAD]?: boolean })[WORKERS_STARTED_AHEAD] = true;
  // A command's help compiles the parser alone: it gets the help slot, not the command's.
  runWithCodeCache(cli, argv.includes('--help') ? 'help' : (argv[0] ?? ''));
}
