/**
 * The offline demo: starts the fixture web site on loopback hosts and generates a file tree, then runs
 * `fanout compare` on three workloads (I/O-bound scrape, parse-heavy scrape, tree copy) with the same machinery
 * as the command (a fresh `node bin/fanout.js` process per run, interleaved, warm-up first), prints each report
 * with a takeaway read off its numbers, and writes the reports plus an index into one folder.
 */
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import { startSiteServer, type SiteServer } from '../../fixtures/site-server.js';
import { runComparison } from '../compare/comparison.js';
import type { Comparison } from '../compare/model.js';
import { packageRoot } from '../compare/environment.js';
import { planJob } from '../compare/job-plan.js';
import { compareProgress } from '../compare/progress.js';
import { expandStrategies, type Strategy } from '../compare/strategy.js';
import { duration } from '../compare/report/format.js';
import { renderTerminal } from '../compare/report/terminal.js';
import { writeReports } from '../compare/report/write.js';
import { writeIndex, type DemoEntry } from './index-page.js';
import { takeaway } from './takeaway.js';
import { makeTempDir } from './temp-dir.js';
import { FULL, prepareWorkloads, QUICK, type DemoWorkload } from './workloads.js';

/** Measured runs per strategy by default: with one warm-up, 36 fresh processes in all, about a minute on 2 cores. */
export const DEFAULT_RUNS = 3;

export interface DemoOptions {
  signal: AbortSignal;
  /** The reports and takeaways. */
  out: Writable;
  /** Live progress, when it is a terminal. */
  err?: Writable & { isTTY?: boolean };
  /** Default: ./fanout-report */
  reportDir?: string;
  /** Measured runs per strategy. Default: DEFAULT_RUNS (1 with `quick`). */
  runs?: number;
  /** Tiny sizes, one run and no warm-up: for tests. */
  quick?: boolean;
  color?: boolean;
}

export interface DemoResult {
  entries: DemoEntry[];
  /** The report folder, absolute. */
  reportDir: string;
  /** Paths of index.md and index.html (none when interrupted before a workload completed). */
  index: string[];
  interrupted: boolean;
  /** Every strategy of every workload ran and passed the correctness gate. */
  ok: boolean;
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const started = performance.now();
  const sizes = o.quick ? QUICK : FULL;
  const runs = o.runs ?? (o.quick ? 1 : DEFAULT_RUNS);
  const warmup = o.quick ? 0 : 1;
  const shownDir = o.reportDir ?? './fanout-report';
  const reportDir = resolve(shownDir);
  // Two workers per 2 cores; more cores get more workers, up to 4, to keep the demo short.
  const workers = Math.min(4, Math.max(2, availableParallelism()));
  const strategies = expandStrategies(['async', 'threads', 'procs'], [workers]);
  const entries: DemoEntry[] = [];
  let workloads: DemoWorkload[] = [];
  // Interrupted or not, the index lists the workloads that completed (their reports are written already).
  const result = (interrupted: boolean): DemoResult => {
    const index = entries.length > 0 ? writeIndex(reportDir, entries) : [];
    if (interrupted) {
      const kept = entries.length ? `; the reports of those are in ${shownDir}` : '';
      o.out.write(`\nInterrupted: ${entries.length} of ${workloads.length} workloads completed${kept}.\n`);
    }
    return { entries, reportDir, index, interrupted, ok: !interrupted && entries.every((e) => e.comparison.strategies.every((s) => s.rank !== null)) };
  };

  const temp = makeTempDir('fanout-demo-');
  let site: SiteServer | undefined;
  try {
    site = await startSiteServer({ hosts: sizes.hosts, log: false });
    workloads = prepareWorkloads(site, temp.path, sizes);
    o.out.write(
      `fanout demo: ${workloads.length} workloads x ${strategies.length} strategies (${strategies.map((s) => s.id).join(', ')}), ` +
        `${runs} run${runs === 1 ? '' : 's'}${warmup ? ` + ${warmup} warm-up` : ''} each, every run a fresh fanout process.\n` +
        `Embedded web site on ${site.urls.length} loopback hosts (no network); files in ${temp.path} (removed at the end).\n`,
    );
    for (const [i, workload] of workloads.entries()) {
      if (o.signal.aborted) return result(true);
      o.out.write(`\n[${i + 1}/${workloads.length}] ${workload.title}: ${workload.detail}.\nExpected: ${workload.expect}.\n\n`);
      const comparison = await compareWorkload(workload, strategies, runs, warmup, o);
      // Ctrl-C on a terminal reaches the running job too: a comparison that ended with it is not reported.
      if (comparison === null || o.signal.aborted) return result(true);
      if (i > 0) ownLoad(comparison);
      const dir = join(reportDir, workload.name);
      writeReports(comparison, dir);
      const entry: DemoEntry = { workload, comparison, takeaway: takeaway(comparison) };
      entries.push(entry);
      o.out.write(renderTerminal(comparison, { color: o.color, reportDir: join(shownDir, workload.name) }));
      o.out.write(`${paint(o.color, '1', `Takeaway: ${entry.takeaway}`)}\n`);
    }
    o.out.write(`\n${paint(o.color, '1', 'Summary')}\n`);
    const width = Math.max(...entries.map((e) => e.workload.title.length));
    for (const e of entries) o.out.write(`  ${e.workload.title.padEnd(width)}  ${e.takeaway}\n`);
    o.out.write(`\nReports: ${join(shownDir, 'index.html')} (and index.md), one folder per workload. Took ${duration(performance.now() - started)}.\n`);
    return result(false);
  } finally {
    await site?.close();
    temp.dispose();
  }
}

/** One workload through compare's own planning and runner; null when interrupted. */
async function compareWorkload(w: DemoWorkload, strategies: Strategy[], runs: number, warmup: number, o: DemoOptions) {
  const plan = planJob(w.job, w.args);
  // Live progress on a terminal only: the reports themselves go to `out`, and a log needs no per-run lines.
  const progress = compareProgress(o.err ?? { write: () => true }, o.err?.isTTY ? 'line' : 'off', { runs, warmup });
  try {
    return await runComparison({
      command: process.execPath,
      args: [join(packageRoot(), 'bin', 'fanout.js'), plan.job, ...plan.args],
      strategies,
      runs,
      warmup,
      runArgs: plan.runArgs,
      beforeRun: plan.beforeRun,
      signal: o.signal, // stops the running job too, and starts no other
      afterRun: plan.afterRun,
      resultHash: plan.resultHash,
      onRunStart: progress.onRunStart,
      onRunExit: progress.onRunExit,
      onSample: progress.onSample,
      workload: { job: plan.job, args: plan.args, description: `${w.title}: ${plan.description}`, notes: [`fanout demo workload: ${w.detail}`, ...plan.notes] },
    });
  } catch (err) {
    if (o.signal.aborted) return null;
    throw err;
  } finally {
    progress.stop();
    plan.finish();
  }
}

/**
 * The load average decays over minutes: after the first workload it counts the demo's own runs, so compare's
 * busy-machine warning says so rather than blame other work alone.
 */
function ownLoad(c: Comparison): void {
  for (const w of c.warnings) {
    if (w.code === 'BUSY_MACHINE') w.message += " (the demo's previous workload, which just ended, counts in it)";
  }
}

function paint(color: boolean | undefined, code: string, s: string): string {
  return color ? `\x1b[${code}m${s}\x1b[0m` : s;
}
