/** `fanout compare <job> [args..]`: time every strategy on the user's own workload and write a report. */
import { join } from 'node:path';
import type { Command } from './command.js';
import { EXIT, UsageError, type ExitCode } from '../exit-codes.js';
import { wholeNumber } from '../pool-options.js';
import { dashArg, noDash } from '../dash-arg.js';
import { numberOption, whole } from '../number-option.js';
import { withExamples } from '../examples.js';
import { reportDirOption } from '../report-dir-option.js';
import { refuseClosedStdout } from '../closed-stdio.js';
import { interruptSignal } from '../signals.js';
import { JOBS } from '../../jobs/tasks.js';

export interface CompareCommandOptions {
  /** How to start a job: the executable and its leading arguments. Default: this Node and bin/fanout.js. */
  jobCommand?: () => { command: string; args: string[] };
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export function makeCompareCommand(options: CompareCommandOptions = {}): Command {
  return {
    command: 'compare <job> [args..]',
    describe: 'time each strategy on your workload and write a report',
    builder: (y) =>
      withExamples(y, [
        ['$0 scrape urls.txt -c 32 --runs 5', 'every strategy on your URL list'],
        ['$0 copy ./src-tree /tmp/dst --modes async,threads --workers 2', 'copy: DST is emptied before each run'],
        ['$0 scrape urls.txt --modes async,cluster --cluster redis://q', 'the cluster too: compare starts 1, 2, 4 local fanout workers on that Redis'],
      ])
        // Whatever compare does not own goes to the job, verbatim (numbers stay strings: "007" is not 7).
        .parserConfiguration({ 'unknown-options-as-args': true, 'populate--': true, 'parse-positional-numbers': false })
        .positional('job', { type: 'string', choices: JOBS, describe: 'the job to compare: scrape or copy' })
        .positional('args', { type: 'string', array: true, describe: "the job's arguments and options, as you would give them to it" })
        .option('modes', { type: 'string', default: 'async,threads,procs', describe: 'modes to compare, comma-separated (async, threads, procs, cluster)' })
        .option('workers', { type: 'string', default: '1,2,4', describe: 'worker counts for threads and procs (for cluster: local fanout worker processes), comma-separated' })
        .option('cluster', { type: 'string', requiresArg: true, describe: "the Redis for the mode 'cluster': compare starts its fanout workers there" })
        .option('runs', numberOption('--runs', whole(1), { default: 5, describe: 'measured runs per strategy' }))
        .option('warmup', numberOption('--warmup', whole(0), { default: 1, describe: 'warm-up runs per strategy, not counted' }))
        .option('report', { type: 'string', default: './fanout-report', coerce: noDash('--report', 'folder', '--json prints the report on stdout'), describe: 'directory for report.{html,md,json,csv}' })
        .option('json', { type: 'boolean', default: false, describe: 'print the JSON report to stdout instead of the table' })
        .option('progress', { type: 'boolean', describe: 'show each run on stderr as it starts and ends [default: on a terminal]' })
        .group(['modes', 'workers', 'cluster', 'runs', 'warmup', 'report', 'json', 'progress'], 'Compare:'),
    run: async (args) => runCompare(args, options),
  };
}

export const compareCommand: Command = makeCompareCommand();

async function runCompare(args: Record<string, any>, options: CompareCommandOptions): Promise<ExitCode> {
  // compare's modules load only now, not for every command.
  const [{ runComparison }, { packageRoot }, { planJob, shownArgs }, { expandStrategies }, { compareProgress, progressMode }, { renderJson }, { renderTerminal }, { writeReports }] =
    await Promise.all([
      import('../../compare/comparison.js'),
      import('../../compare/environment.js'),
      import('../../compare/job-plan.js'),
      import('../../compare/strategy.js'),
      import('../../compare/progress.js'),
      import('../../compare/report/json.js'),
      import('../../compare/report/terminal.js'),
      import('../../compare/report/write.js'),
    ]);
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const passthrough = [...((args.args as unknown[]) ?? []), ...((args['--'] as unknown[]) ?? [])].map((a) => dashArg(String(a)));
  const modes = list(args.modes);
  const workers = list(args.workers).map((w) => wholeNumber('--workers', w));
  const runs = wholeNumber('--runs', args.runs);
  const warmup = wholeNumber('--warmup', args.warmup, 0);
  const clusterUrl = args.cluster === undefined ? undefined : String(args.cluster);
  let strategies;
  try {
    strategies = expandStrategies(modes, workers, clusterUrl);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  // Before any run: an unfit Redis is one line now, not a failed run per strategy.
  const cluster = clusterUrl === undefined ? undefined : await clusterNote(clusterUrl);
  for (const line of cluster?.warnings ?? []) stderr.write(`fanout: warning: ${line}\n`);
  if (args.json && !options.stdout) refuseClosedStdout('the JSON report', `it is also written to ${String(args.report)}/report.json; drop --json`);
  const dir = String(args.report);
  const plan = planJob(String(args.job), passthrough); // first: the report folder is checked against the job's paths
  const reportDir = await reportDirOption(dir, 'the report', plan.keepOut);
  let reported = false;
  try {
    const start = options.jobCommand?.() ?? { command: process.execPath, args: [join(packageRoot(), 'bin', 'fanout.js')] };

    const progress = compareProgress(stderr, progressMode(stderr, args.progress as boolean | undefined), { runs, warmup });

    let comparison;
    const interrupt = interruptSignal();
    try {
      comparison = await runComparison({
        command: start.command,
        args: [...start.args, plan.job, ...plan.args],
        strategies,
        runs,
        warmup,
        ...(cluster ? { cluster: { url: cluster.url, args: start.args }, env: cluster.env } : {}),
        runArgs: plan.runArgs,
        beforeRun: plan.beforeRun,
        afterRun: plan.afterRun,
        resultHash: plan.resultHash,
        onRunStart: progress.onRunStart,
        onRunExit: progress.onRunExit,
        onSample: progress.onSample,
        signal: interrupt.signal,
        workload: { job: plan.job, args: shownArgs(plan.args), description: plan.description, notes: cluster ? [...plan.notes, cluster.note] : plan.notes },
      });
    } catch (err) {
      if (!interrupt.signal.aborted) throw err;
      // Ctrl-C: the running job was stopped; its scratch files and a copy's DST are cleaned up below.
      progress.stop();
      stderr.write(`fanout: compare ${(err as Error).message}; no report written\n`);
      return EXIT.INTERRUPTED;
    } finally {
      interrupt.dispose();
      progress.stop();
      plan.finish();
    }
    writeReports(comparison, dir);
    reported = true;
    if (args.json) stdout.write(renderJson(comparison));
    else stdout.write(renderTerminal(comparison, { color: Boolean(stdout.isTTY) && !process.env.NO_COLOR, reportDir: dir }));
    return comparison.strategies.some((s) => s.rank === null) ? EXIT.SOME_FAILED : EXIT.OK;
  } finally {
    if (!reported) reportDir.abandon();
  }
}

/** Checks the Redis of the cluster strategies once, and says in the report what they measured. */
async function clusterNote(url: string): Promise<{ url: string; env: NodeJS.ProcessEnv; note: string; warnings: string[] }> {
  const [{ preflight }, { parseRedisUrl, redisLocation, splitPassword }] = await Promise.all([import('../../cluster/preflight.js'), import('../../cluster/redis-url.js')]);
  let where: string;
  try {
    where = redisLocation(parseRedisUrl(url));
  } catch (err) {
    throw new UsageError(`--cluster: ${(err as Error).message}`);
  }
  const { version, warnings } = await preflight(url, 'coordinator');
  // The job and the workers get the password in their environment: a command line is visible to every local user.
  const split = splitPassword(url);
  const env = split.password === undefined ? process.env : { ...process.env, REDIS_PASSWORD: split.password };
  return { url: split.url, env, warnings, note: `cluster:N ran the job with --cluster on Redis ${version} at ${where}, with N local 'fanout worker' processes (async) started before each run, untimed; their CPU and memory are counted, Redis's are not` };
}

function list(value: unknown): string[] {
  return String(value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
