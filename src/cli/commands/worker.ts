/** `fanout worker <url>`: serve the runs coordinators announce in that Redis, until Ctrl-C or SIGTERM. */
import type { Argv } from 'yargs';
import { EXIT, UsageError } from '../exit-codes.js';
import { numberOption, ranged, whole } from '../number-option.js';
import { withExamples } from '../examples.js';
import { interruptSignal } from '../signals.js';
import type { FanoutError } from '../../engine/errors.js';
import type { Command } from './command.js';

export const workerCommand: Command = {
  command: 'worker <url>',
  describe: 'run the tasks of `scrape --cluster URL` and `copy --cluster URL` runs on this machine',
  builder: (y: Argv) =>
    withExamples(y, [
      ['$0 redis://queue-host:6379 --threads 4', 'serve scrape and copy runs here, 4 threads per run'],
      ['$0 redis+unix:///run/redis.sock --task ./my-task.js', 'serve runs of your own task module too'],
    ])
      .positional('url', { type: 'string', describe: 'the Redis the coordinators use: redis://host:port, rediss://…, redis+unix:///path' })
      .option('threads', numberOption('--threads', whole(1), { describe: 'run tasks in N worker threads (default: async, on the main event loop)' }))
      .option('procs', numberOption('--procs', whole(1), { describe: 'run tasks in N child processes' }))
      .option('task', { type: 'string', requiresArg: true, describe: 'a task module of this machine that runs may ask for (besides scrape and copy)' })
      .option('reconnect', numberOption('--reconnect', ranged('seconds', 0, 86_400), { default: 30, describe: 'seconds to wait for a Redis that went away before the worker stops (exit 2)' }))
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no line per run joined or left' }),
  async run(a) {
    if (a.threads !== undefined && a.procs !== undefined) throw new UsageError('--threads and --procs cannot be combined');
    const mode = a.threads !== undefined ? 'threads' : a.procs !== undefined ? 'procs' : 'async';
    const { serve } = await import('../../cluster/serve.js');
    const say = (line: string) => {
      if (!a.quiet) process.stderr.write(`fanout worker: ${line}\n`);
    };
    let server: Awaited<ReturnType<typeof serve>> | null = null;
    // The one line a first signal prints: with Redis away, close() cannot wait for the jobs held (their results
    // have nowhere to go). Printed whatever -q says, as every command acknowledges a signal.
    const leaving = () =>
      server &&
      (server.redisAway()
        ? 'fanout worker: Redis is away: leaving at once; the jobs held run again elsewhere once their lease lapses'
        : 'fanout worker: finishing the jobs held, then leaving (Ctrl-C again to quit at once)');
    const interrupt = interruptSignal(leaving);
    let lost: FanoutError | null = null;
    let stop = () => {};
    try {
      server = await serve({
        url: a.url, mode, workers: a.threads ?? a.procs, task: a.task, reconnectSeconds: a.reconnect, onNotice: say,
        onLost: (err) => {
          lost = err;
          stop();
        },
      });
      say(`${server.id} waiting for runs on ${a.url} (${mode}${mode === 'async' ? '' : ` x${a.threads ?? a.procs}`}); Ctrl-C to leave`);
      await new Promise<void>((resolve) => {
        stop = resolve;
        if (interrupt.signal.aborted || lost) resolve();
        interrupt.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await server.close();
      // The one REDIS_LOST line and exit 2 (main.ts).
      if (lost) throw lost;
    } finally {
      interrupt.dispose();
    }
    return EXIT.INTERRUPTED;
  },
};
