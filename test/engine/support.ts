/** Shared by the engine tests: built fixture paths, the modes, and a run that collects its results. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { run, type Outcome, type RunOptions, type RunSummary } from '../../src/engine/coordinator.js';
import type { Mode } from '../../src/engine/runtimes/channel.js';

/** Workers load built JavaScript, so every mode runs the dist/ twin of a fixture task. */
export function builtFixture(name: string): string {
  const path = fileURLToPath(new URL(`../../dist/fixtures/${name}`, import.meta.url));
  if (!existsSync(path)) throw new Error(`${path} is missing: build first (npx tsc -p .)`);
  return path;
}

export const ECHO_TASK = builtFixture('tasks/echo-task.js');
export const PROBE_TASK = builtFixture('tasks/probe-task.js');

export const ALL_MODES: Mode[] = ['async', 'threads', 'procs'];
/** Modes whose workers can die without taking the caller down. */
export const WORKER_MODES: Mode[] = ['threads', 'procs'];

export interface Collected<I, R> {
  results: Outcome<I, R>[];
  summary: RunSummary;
}

/** Runs with 2 workers (the machine's cores) unless told otherwise, and keeps every result in arrival order. */
export async function collect<I, R>(options: Omit<RunOptions<I, R>, 'onResult'>): Promise<Collected<I, R>> {
  const results: Outcome<I, R>[] = [];
  const summary = await run<I, R>({ workers: 2, ...options, onResult: (r) => void results.push(r) });
  return { results, summary };
}

export function indices(results: { index: number }[]): number[] {
  return results.map((r) => r.index);
}

export function range(n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}
