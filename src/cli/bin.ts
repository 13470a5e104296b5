/**
 * The CLI process: what bin/fanout.js runs (this file compiled, or its bundle). It loads only what the command
 * line needs: `fanout --version` alone needs no parser, and workers asked for with --threads/--procs start
 * before the parser and the job load, so that they load meanwhile. No top-level await: the bundle of this file
 * is CommonJS, which V8's code cache can hold on every Node version (script-cache.ts).
 */
import { prestartFromArgv } from './prestart.js';
import { WORKERS_STARTED_AHEAD } from './boot-flags.js';
import { packageJson } from '../util/package-root.js';
import { holdModule } from '../engine/worker/held-modules.js';
import { taskModule } from '../jobs/tasks.js';

async function start(args: string[]): Promise<void> {
  if (args.length === 1 && args[0] === '--version') {
    process.stdout.write(`${packageJson().version}\n`);
    return;
  }
  // A job run in this process (async) takes the task module this build already holds.
  holdModule(taskModule('scrape'), () => import('../jobs/scrape/task.js'));
  holdModule(taskModule('copy'), () => import('../jobs/copy/task.js'));
  if (!(globalThis as { [WORKERS_STARTED_AHEAD]?: boolean })[WORKERS_STARTED_AHEAD]) await prestartFromArgv(args);
  const { main, exitWhenFlushed } = await import('./main.js');
  // Exits once stdout and stderr have been written out, rather than wait for V8's idle work (see exit.ts).
  await exitWhenFlushed(await main(args));
}

// A failure here is a bug: it ends the process as an uncaught error would.
start(process.argv.slice(2)).catch((err: unknown) => {
  process.nextTick(() => {
    throw err;
  });
});
