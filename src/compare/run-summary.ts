/**
 * The summary a job writes with `--summary-json FILE`, read back by `fanout compare` after each run.
 * Job commands call `startRunMetrics()` first thing and `writeRunSummary()` last, after their pool is closed
 * (so the worker processes have been waited for and their CPU counts as the job's).
 */
import type { IntervalHistogram } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import type { Hash } from 'node:crypto';
import { writeFileAtomic } from '../util/write-file-atomic.js';

export interface RunSummary {
  /** Items the job was given (URLs, files). */
  items: number;
  ok: number;
  failed: number;
  /** Times an item was tried again. */
  retries: number;
  /** Payload bytes moved (bodies downloaded, file bytes copied). */
  bytes: number;
  /** The job's own measure of its run, from startRunMetrics() to writeRunSummary(). */
  elapsedMs: number;
  /** 99th percentile of the coordinator's event-loop delay: how long a ready callback could wait. */
  eventLoopDelayP99Ms: number;
  /** Identifies the result: equal hashes mean the strategies produced the same output. */
  resultHash: string;
  /** CPU of the job process and of every child process it waited for. */
  cpu: { userMs: number; systemMs: number };
  /** Peak RSS of the job process itself (exact, unlike compare's sampled process-tree figure). */
  maxRssBytes?: number;
}

/** What a job supplies; the rest is measured here. */
export type RunSummaryFields = Pick<RunSummary, 'items' | 'ok' | 'failed' | 'retries' | 'bytes' | 'resultHash'> & {
  elapsedMs?: number;
};

interface RunMetrics {
  startedAt: number;
  histogram: IntervalHistogram;
}

let current: RunMetrics | undefined;

/** Starts timing the run and sampling the event-loop delay. Call once, before the job starts working. */
export function startRunMetrics(): void {
  if (current) return;
  // perf_hooks on first use: every scrape and copy loads this file, few measure their run.
  const histogram = process.getBuiltinModule('node:perf_hooks').monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  current = { startedAt: performance.now(), histogram };
}

/** Adds elapsed time, event-loop delay and CPU to `fields` and writes the summary atomically (temp + rename). */
export function writeRunSummary(file: string, fields: RunSummaryFields): RunSummary {
  const now = performance.now();
  let p99 = 0;
  if (current) {
    current.histogram.disable();
    const ns = current.histogram.percentile(99);
    p99 = Number.isFinite(ns) ? ns / 1e6 : 0;
  }
  const usage = process.resourceUsage();
  const children = childrenCpu();
  const summary: RunSummary = {
    items: fields.items,
    ok: fields.ok,
    failed: fields.failed,
    retries: fields.retries,
    bytes: fields.bytes,
    // Without startRunMetrics() the run is timed from process start (performance's time origin).
    elapsedMs: round(fields.elapsedMs ?? now - (current?.startedAt ?? 0)),
    eventLoopDelayP99Ms: round(p99),
    resultHash: fields.resultHash,
    cpu: {
      userMs: round(usage.userCPUTime / 1000 + children.userMs),
      systemMs: round(usage.systemCPUTime / 1000 + children.systemMs),
    },
    maxRssBytes: usage.maxRSS * 1024,
  };
  writeFileAtomic(file, JSON.stringify(summary, null, 2) + '\n');
  return summary;
}

/** Reads a summary file back, checking its shape. Returns null when the file is missing or malformed. */
export function readRunSummary(file: string): RunSummary | null {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  return isRunSummary(data) ? data : null;
}

function isRunSummary(d: unknown): d is RunSummary {
  if (!d || typeof d !== 'object') return false;
  const s = d as Record<string, unknown>;
  const numbers = ['items', 'ok', 'failed', 'retries', 'bytes', 'elapsedMs', 'eventLoopDelayP99Ms'];
  const cpu = s.cpu as Record<string, unknown> | undefined;
  return (
    numbers.every((k) => typeof s[k] === 'number') &&
    typeof s.resultHash === 'string' &&
    typeof cpu?.userMs === 'number' &&
    typeof cpu?.systemMs === 'number'
  );
}

/**
 * CPU of waited-for children (and their waited-for descendants), from /proc/self/stat fields 16-17 (cutime,
 * cstime) in clock ticks. Linux fixes USER_HZ at 100 for user space. Elsewhere: zero.
 */
export function childrenCpu(statPath = '/proc/self/stat'): { userMs: number; systemMs: number } {
  try {
    const stat = readFileSync(statPath, 'utf8');
    // Field 2 (the command name) may hold spaces and parentheses: count fields after its closing ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = (field: number) => Number(rest[field - 3]);
    const cutime = ticks(16);
    const cstime = ticks(17);
    if (!Number.isFinite(cutime) || !Number.isFinite(cstime)) return { userMs: 0, systemMs: 0 };
    return { userMs: cutime * 10, systemMs: cstime * 10 };
  } catch {
    return { userMs: 0, systemMs: 0 };
  }
}

/**
 * An order-sensitive hash of result records, leaving out fields that vary between runs (timings).
 * Keys are sorted, so two runtimes that build the same record in a different key order agree.
 */
export class ResultHasher {
  // node:crypto on first use: every scrape and copy loads this file, few hash their results.
  private readonly hash: Hash = process.getBuiltinModule('node:crypto').createHash('sha256');
  private readonly omit: ReadonlySet<string>;

  constructor(omitFields: Iterable<string> = []) {
    this.omit = new Set(omitFields);
  }

  add(record: unknown): this {
    this.hash.update(canonicalJson(record, this.omit));
    this.hash.update('\n');
    return this;
  }

  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/** JSON with object keys sorted; `omit` drops top-level record fields only. */
export function canonicalJson(value: unknown, omit: ReadonlySet<string> = new Set(), depth = 0): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, omit, depth + 1)).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .filter((k) => !(depth === 0 && omit.has(k)) && (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k], omit, depth + 1)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
