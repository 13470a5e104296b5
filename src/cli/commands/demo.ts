/** `fanout demo`: compare the strategies on three embedded workloads; needs no arguments and no network. */
import { EXIT } from '../exit-codes.js';
import { wholeNumber } from '../pool-options.js';
import { reportDirOption } from '../report-dir-option.js';
import { noDash } from '../dash-arg.js';
import { numberOption, whole } from '../number-option.js';
import { interruptSignal } from '../signals.js';
import { withExamples } from '../examples.js';
import type { Command } from './command.js';

export const demoCommand: Command = {
  command: 'demo',
  describe: 'compare async, threads and procs on three embedded workloads (loopback site, temp tree; no network)',
  builder: (y) =>
    withExamples(y, [
      ['$0', 'the full demo, reports in ./fanout-report/'],
      ['$0 --quick --report /tmp/r', 'a fast check that everything works'],
    ])
      .option('report', { type: 'string', default: './fanout-report', coerce: noDash('--report', 'folder'), describe: 'folder for the reports: one per workload, plus index.html and index.md' })
      .option('runs', numberOption('--runs', whole(1), { describe: 'measured runs per strategy (default 3, about a minute on 2 cores; 1 with --quick)' }))
      .option('quick', { type: 'boolean', default: false, describe: 'tiny workloads, one run each: a smoke test in seconds' }),
  async run(args) {
    const runs = args.runs === undefined ? undefined : wholeNumber('--runs', args.runs);
    const { runDemo } = await import('../../demo/demo.js');
    const dir = String(args.report);
    const reportDir = await reportDirOption(dir, 'the reports'); // before the first run, not after the first workload
    const interrupt = interruptSignal();
    let wrote = false;
    try {
      const result = await runDemo({
        signal: interrupt.signal,
        out: process.stdout,
        err: process.stderr,
        reportDir: dir,
        runs,
        quick: Boolean(args.quick),
        color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
      });
      wrote = result.entries.length > 0;
      return result.interrupted ? EXIT.INTERRUPTED : result.ok ? EXIT.OK : EXIT.SOME_FAILED;
    } finally {
      interrupt.dispose();
      if (!wrote) reportDir.abandon();
    }
  },
};
