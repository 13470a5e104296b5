/**
 * Runs every strategy as fresh child processes: warm-ups first (discarded), then measured rounds, interleaved
 * A B C A B C so that drift on a busy machine hits every strategy alike. Wall time, CPU and memory are measured
 * here, outside the job; the job's summary adds counts, its result hash and its event-loop delay.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FanoutError } from '../engine/errors.js';
import { childrenCpu, readRunSummary } from './run-summary.js';
import { canSampleTree, TreeRssSampler } from './proc-tree.js';
import type { Sample } from './sample.js';
import { strategyFlags, type Strategy } from './strategy.js';
import { startLocalWorkers, type LocalWorkers } from './local-workers.js';

/** Exit code 2 is the CLI's "bad command line": the same for every strategy, so stop at once. */
const USAGE_EXIT = 2;

export interface RunContext {
  strategy: Strategy;
  round: number;
  warmup: boolean;
  /** A directory private to this comparison, removed at the end. */
  scratchDir: string;
}

export interface RunnerOptions {
  /** The executable to start, e.g. process.execPath. */
  command: string;
  /** Its leading arguments, e.g. [bin/fanout.js, 'scrape', 'urls.txt', '-c', '16']. */
  args: readonly string[];
  strategies: readonly Strategy[];
  runs: number;
  warmup: number;
  /** Extra arguments per run (e.g. a fresh output file), placed before the strategy flags. */
  runArgs?: (ctx: RunContext) => string[];
  /** Untimed preparation before each run (e.g. emptying the copy destination). */
  beforeRun?: (ctx: RunContext) => void | Promise<void>;
  /**
   * An outside check of the result, untimed, after each run that wrote a summary: its hash replaces the job's
   * for the correctness gate (e.g. compare hashes the copy destination itself). The job's stays in `job`.
   */
  resultHash?: (ctx: RunContext) => Promise<string>;
  /** Untimed clean-up after each run. */
  afterRun?: (ctx: RunContext) => void | Promise<void>;
  /** A run is about to start (its preparation done): `done` runs of `total` are behind it. */
  onRunStart?: (ctx: RunContext, done: number, total: number) => void;
  /** Its process has exited after `wallMs`; the untimed result check and clean-up follow, then onSample. */
  onRunExit?: (ctx: RunContext, wallMs: number) => void;
  onSample?: (sample: Sample, done: number, total: number) => void;
  /**
   * Stops the comparison: the running job gets SIGINT (it stops cleanly and exits 130), no further run starts,
   * and runStrategies rejects with INTERRUPTED. Default: none.
   */
  signal?: AbortSignal;
  /**
   * For cluster strategies: the Redis URL given to the job and to the `fanout worker` processes started for
   * each run with `command` and these leading arguments (e.g. [bin/fanout.js]). Default: none.
   */
  cluster?: { url: string; args: readonly string[] };
  /** RSS sampling period. Default: 20 ms. */
  rssIntervalMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export async function runStrategies(options: RunnerOptions): Promise<Sample[]> {
  const { strategies, runs, warmup } = options;
  if (strategies.length === 0) throw new FanoutError('BAD_STRATEGY', 'no strategies to compare');
  if (!Number.isInteger(runs) || runs < 1) throw new FanoutError('BAD_RUNS', `runs must be a whole number >= 1, got ${runs}`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new FanoutError('BAD_RUNS', `warm-up must be a whole number >= 0, got ${warmup}`);
  const scratchDir = mkdtempSync(join(tmpdir(), 'fanout-compare-'));
  const samples: Sample[] = [];
  const total = (runs + warmup) * strategies.length;
  try {
    for (let round = 0; round < warmup + runs; round++) {
      for (const strategy of strategies) {
        const ctx: RunContext = { strategy, round: round < warmup ? round : round - warmup, warmup: round < warmup, scratchDir };
        interrupted(options.signal, samples.length, total);
        await options.beforeRun?.(ctx);
        const workers = strategy.mode === 'cluster' ? await startWorkers(options, strategy.workers) : undefined;
        options.onRunStart?.(ctx, samples.length, total);
        let sample: Sample;
        try {
          sample = await runOnce(options, ctx, samples.length, workers);
        } finally {
          await workers?.stop();
        }
        interrupted(options.signal, samples.length, total); // a run cut short is not a sample
        if (options.resultHash && sample.job && sample.error === null) sample.resultHash = await options.resultHash(ctx);
        await options.afterRun?.(ctx);
        samples.push(sample);
        options.onSample?.(sample, samples.length, total);
      }
    }
  } finally {
    rmSync(scratchDir, { recursive: true, force: true });
  }
  return samples;
}

function interrupted(signal: AbortSignal | undefined, done: number, total: number): void {
  if (signal?.aborted) throw new FanoutError('INTERRUPTED', `interrupted after ${done} of ${total} runs`);
}

function startWorkers(options: RunnerOptions, count: number): Promise<LocalWorkers> {
  if (!options.cluster) throw new FanoutError('BAD_STRATEGY', "a cluster strategy needs the runner's cluster option");
  return startLocalWorkers(options.command, options.cluster.args, options.cluster.url, count, options.env);
}

async function runOnce(options: RunnerOptions, ctx: RunContext, sequence: number, workers?: LocalWorkers): Promise<Sample> {
  const summaryFile = join(ctx.scratchDir, `summary-${sequence}.json`);
  const args = [
    ...options.args,
    ...(options.runArgs?.(ctx) ?? []),
    ...strategyFlags(ctx.strategy, options.cluster?.url),
    '--quiet',
    '--summary-json',
    summaryFile,
  ];
  const sampleTree = canSampleTree();
  const cpuBefore = childrenCpu();
  const workersBefore = workers?.cpu();
  let stderr = '';

  // /dev/null opened write-only, as a shell's >/dev/null: 'ignore' opens it read-write, which a job writing to
  // stdout (copy --dry-run) takes for a closed stdout (see cli/closed-stdio.ts).
  const devNull = openSync('/dev/null', 'w');
  const started = performance.now();
  let child;
  try {
    child = spawn(options.command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', devNull, 'pipe'] });
  } finally {
    closeSync(devNull);
  }
  const sampler = sampleTree && child.pid !== undefined ? new TreeRssSampler(child.pid, options.rssIntervalMs).start() : undefined;
  const workersRss = sampleTree ? workers?.sampleRss(options.rssIntervalMs ?? 20) : undefined;
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exit = new Promise<{ code: number | null; signal: string | null; wallMs: number }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal, wallMs: performance.now() - started }));
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  // The job's own Ctrl-C handling stops it cleanly (its workers too); on a terminal it may have had one already.
  const stop = () => child.kill('SIGINT');
  if (options.signal?.aborted) stop();
  else options.signal?.addEventListener('abort', stop, { once: true });
  let result: { code: number | null; signal: string | null; wallMs: number };
  try {
    result = await exit;
  } catch (err) {
    throw new FanoutError('JOB_SPAWN', `cannot start ${options.command}: ${(err as Error).message}`);
  } finally {
    options.signal?.removeEventListener('abort', stop);
    sampler?.stop();
  }
  const workersPeak = workersRss?.stop() ?? 0;
  const workersAfter = workers?.cpu();
  options.onRunExit?.(ctx, result.wallMs);
  await closed;

  if (result.code === USAGE_EXIT) {
    throw new FanoutError('JOB_USAGE', `the job refused its arguments: ${lastLines(stderr) || 'exit code 2'}`);
  }
  const cpuAfter = childrenCpu();
  const job = readRunSummary(summaryFile);
  rmSync(summaryFile, { force: true });
  // A cluster run's workers are not the job's children: their CPU over the run is added (Redis's is not).
  const workersCpu = workersBefore && workersAfter
    ? { userMs: workersAfter.userMs - workersBefore.userMs, systemMs: workersAfter.systemMs - workersBefore.systemMs }
    : { userMs: 0, systemMs: 0 };
  const parentCpu = { userMs: cpuAfter.userMs - cpuBefore.userMs + workersCpu.userMs, systemMs: cpuAfter.systemMs - cpuBefore.systemMs + workersCpu.systemMs };
  const useParent = sampleTree; // Linux: compare counts its own waited-for children, like /usr/bin/time
  const cpu = useParent || !job ? parentCpu : job.cpu;
  const sampled = sampler && sampler.samples > 0 ? sampler.peakBytes + workersPeak : null;
  const peak = Math.max(sampled ?? 0, job?.maxRssBytes ?? 0) || null;
  const seconds = result.wallMs / 1000;
  const crashed = result.signal !== null || (result.code !== 0 && result.code !== 1);
  const error = crashed
    ? `exited with ${result.signal ? `signal ${result.signal}` : `code ${result.code}`}${stderr ? `: ${lastLines(stderr)}` : ''}`
    : job
      ? null
      : `wrote no summary to --summary-json${stderr ? `: ${lastLines(stderr)}` : ''}`;

  return {
    strategy: ctx.strategy.id,
    round: ctx.round,
    warmup: ctx.warmup,
    sequence,
    wallMs: round3(result.wallMs),
    userMs: round3(cpu.userMs),
    systemMs: round3(cpu.systemMs),
    cpuSource: useParent || !job ? 'parent' : 'job',
    peakRssBytes: peak,
    rssSampledBytes: sampled,
    rssSamples: sampler?.samples ?? 0,
    exitCode: result.code,
    signal: result.signal,
    job,
    resultHash: job?.resultHash ?? null,
    items: job?.items ?? null,
    itemsPerSec: job ? round3(job.items / seconds) : null,
    bytesPerSec: job ? Math.round(job.bytes / seconds) : null,
    error,
  };
}

function lastLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
