/** One comparison session: capture the environment, run every strategy, analyse, and assemble the report model. */
import { performance } from 'node:perf_hooks';
import { analyse } from './analyse.js';
import { captureEnvironment } from './environment.js';
import { SCHEMA, type Comparison, type Warning, type Workload } from './model.js';
import { canSampleTree } from './proc-tree.js';
import { runStrategies, type RunnerOptions } from './runner.js';

export interface ComparisonOptions extends RunnerOptions {
  workload: Pick<Workload, 'job' | 'args' | 'description' | 'notes'>;
}

export const RSS_SAMPLE_MS = 20;

export async function runComparison(options: ComparisonOptions): Promise<Comparison> {
  const environment = captureEnvironment();
  const started = performance.now();
  const rssIntervalMs = options.rssIntervalMs ?? RSS_SAMPLE_MS;
  const samples = await runStrategies({ ...options, rssIntervalMs });
  const { strategies, majorityHash, warnings } = analyse(options.strategies, samples, options.runs, environment.cores);
  const busy: Warning[] =
    environment.loadAverage > environment.cores
      ? [{ code: 'BUSY_MACHINE', message: `load average was ${environment.loadAverage} on ${environment.cores} cores when the comparison started: other work competed for the CPU` }]
      : [];
  const first = samples.find((s) => s.job !== null && s.error === null);
  const sampled = canSampleTree();
  return {
    schema: SCHEMA,
    environment,
    workload: {
      ...options.workload,
      runs: options.runs,
      warmup: options.warmup,
      items: first?.job?.items ?? null,
      bytes: first?.job?.bytes ?? null,
    },
    method: {
      freshProcessPerRun: true,
      interleaved: true,
      rssSampleIntervalMs: sampled ? rssIntervalMs : 0,
      cpuSource: sampled ? 'parent' : 'job',
      rankedBy: 'median wall time',
    },
    strategies,
    majorityHash,
    warnings: [...busy, ...warnings],
    samples,
    totalMs: Math.round(performance.now() - started),
  };
}
