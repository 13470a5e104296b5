/**
 * Engine benchmark: no-op (echo) tasks per second in each mode. Each sample is a fresh process that does
 * WARMUPS untimed runs and then TIMED timed ones, and reports their median; samples are interleaved across
 * modes and the median of SAMPLES is reported.
 *
 * Run alone: `node dist/bench/engine.js` prints the section; `node dist/bench/engine.js sample <mode> <conc>
 * <n> <input>` is one sample (what the section spawns).
 */
import { execFile } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { median } from '../src/compare/stats.js';
import { run } from '../src/engine/coordinator.js';
import type { Mode } from '../src/engine/runtimes/channel.js';

const TASKS = 100_000;
const SAMPLES = 3;
/**
 * Why 3 warm-ups and a median of 3: the first runs of a process fall while V8 compiles the hot path and still
 * sizes the young generation, and how much such a run promotes to the old generation depends on what start-up
 * allocated (importing a few more modules moves the second run's figure by ~20 %). From the fourth run on,
 * builds with the same hot path measure alike; the median drops a run a collection happened to land in.
 */
const WARMUPS = 3;
const TIMED = 3;
/**
 * Why 256: a no-op task costs far less than a message between threads or processes (tens of microseconds), so
 * what matters is how many tasks share one message, and that is bounded by the tasks in flight. 256 in flight
 * over 2 workers gives batches of about 128; far more only grows the reorder window (16 x concurrency) and with
 * it the memory the collector has to walk.
 */
const CONCURRENCY = 256;
const SWEEP = [16, 64, 256, 1024];
const MODES: Mode[] = ['async', 'threads', 'procs'];
const TARGET: Record<Mode, number> = { async: 500_000, threads: 50_000, procs: 50_000 };
type Input = 'sync' | 'async';

const ECHO = fileURLToPath(new URL('../fixtures/tasks/echo-task.js', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

function* numbers(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

async function* asyncNumbers(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}

/** One timed run; throws if a result is missing, duplicated or out of order. */
async function once(mode: Mode, concurrency: number, n: number, input: Input): Promise<number> {
  let next = 0;
  const started = performance.now();
  await run<number, number>({
    items: input === 'sync' ? numbers(n) : asyncNumbers(n),
    task: ECHO,
    mode,
    workers: availableParallelism(),
    concurrency,
    onResult: (r) => {
      if (r.index !== next++ || !r.ok) throw new Error(`result ${r.index} out of order or failed`);
    },
  });
  const ms = performance.now() - started;
  if (next !== n) throw new Error(`${next} results for ${n} tasks`);
  return (n / ms) * 1000;
}

/** Runs one sample in a fresh process and returns its tasks per second. */
async function sample(mode: Mode, concurrency: number, input: Input = 'sync'): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, [SELF, 'sample', mode, String(concurrency), String(TASKS), input]);
  return Number(stdout.trim());
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Medians of SAMPLES fresh-process samples per configuration, interleaved so drift hits all of them alike. */
async function measure(configs: { mode: Mode; concurrency: number; input: Input }[]): Promise<number[][]> {
  const samples: number[][] = configs.map(() => []);
  for (let round = 0; round < SAMPLES; round++) {
    for (let i = 0; i < configs.length; i++) {
      const c = configs[i]!;
      samples[i]!.push(await sample(c.mode, c.concurrency, c.input));
    }
  }
  return samples;
}

export async function benchEngine(): Promise<string> {
  const main = MODES.map((mode) => ({ mode, concurrency: CONCURRENCY, input: 'sync' as Input }));
  const extra = [{ mode: 'async' as Mode, concurrency: CONCURRENCY, input: 'async' as Input }];
  const sweep = SWEEP.filter((c) => c !== CONCURRENCY).flatMap((concurrency) =>
    MODES.map((mode) => ({ mode, concurrency, input: 'sync' as Input })),
  );
  const all = [...main, ...extra, ...sweep];
  const samples = await measure(all);
  const medianOf = (mode: Mode, concurrency: number, input: Input = 'sync') =>
    median(samples[all.findIndex((c) => c.mode === mode && c.concurrency === concurrency && c.input === input)]!);

  const lines = [
    '## Engine: no-op tasks per second',
    '',
    `CPU: ${cpus()[0]?.model.trim() ?? 'unknown'}, ${availableParallelism()} cores; Node ${process.version}.`,
    '',
    `Workload: ${fmt(TASKS)} echo tasks (fixtures/tasks/echo-task.ts) from a synchronous generator, results in input`,
    `order, concurrency ${CONCURRENCY}, ${availableParallelism()} workers for threads and procs. Each sample is a fresh process that`,
    `does ${WARMUPS} warm-up runs and then ${TIMED} timed runs (their median is the sample); median of ${SAMPLES} samples,`,
    'interleaved across modes.',
    '',
    '| mode | median tasks/s | min | max | target | met |',
    '|---|---:|---:|---:|---:|---|',
  ];
  for (let i = 0; i < main.length + extra.length; i++) {
    const c = all[i]!;
    const xs = samples[i]!;
    const m = median(xs);
    const label = c.input === 'async' ? `${c.mode} (async iterable input)` : c.mode;
    const target = c.input === 'sync' ? TARGET[c.mode] : undefined;
    lines.push(
      `| ${label} | ${fmt(m)} | ${fmt(Math.min(...xs))} | ${fmt(Math.max(...xs))} | ${target ? fmt(target) : '-'} | ${target ? (m >= target ? 'yes' : 'no') : '-'} |`,
    );
  }
  lines.push(
    '',
    'Concurrency sweep (median tasks/s):',
    '',
    `| concurrency | ${MODES.join(' | ')} |`,
    `|---:|${MODES.map(() => '---:').join('|')}|`,
    ...SWEEP.map((c) => `| ${c} | ${MODES.map((mode) => fmt(medianOf(mode, c))).join(' | ')} |`),
    '',
    'An async iterable input costs one await per item; arrays and generators are read without one.',
  );
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === 'sample') {
    const [, , , mode, concurrency, n, input] = process.argv;
    const timed: number[] = [];
    for (let i = 0; i < WARMUPS + TIMED; i++) {
      const perSecond = await once(mode as Mode, Number(concurrency), Number(n), input as Input);
      if (i >= WARMUPS) timed.push(perSecond);
    }
    process.stdout.write(`${median(timed)}\n`);
  } else {
    process.stdout.write(`${await benchEngine()}\n`);
  }
}
