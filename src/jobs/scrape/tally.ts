/**
 * Running totals of a scrape: counts by status class and error code, bytes, a latency histogram (1 ms buckets,
 * so memory stays flat however long the list) and a hash of the ordered records without timing fields, which
 * `compare` uses to check that every strategy produced the same result.
 */
import type { Hash } from 'node:crypto';
import type { ScrapeRecord } from './record.js';

const BUCKETS = 120_000; // 1 ms buckets up to 2 minutes; longer attempts land in the last one

export interface ScrapeTotals {
  records: number;
  ok: number;
  failed: number;
  bytes: number;
  /** '2xx', '3xx', '4xx', '5xx', or 'none' (no answer). */
  byStatusClass: Record<string, number>;
  byErrorCode: Record<string, number>;
  /** Attempts beyond the first, summed over records. */
  retries: number;
  p50Ms: number;
  p95Ms: number;
  /** Hash of the ordered records without `ms`; empty when not asked for. */
  resultHash: string;
}

export class ScrapeTally {
  records = 0;
  ok = 0;
  failed = 0;
  bytes = 0;
  retries = 0;
  private readonly byStatusClass: Record<string, number> = {};
  private readonly byErrorCode: Record<string, number> = {};
  private readonly latency = new Uint32Array(BUCKETS);
  /** Only when asked for (compare's correctness gate): it costs a JSON.stringify and a hash update per record. */
  private readonly hash: Hash | null;

  constructor(options: { hash?: boolean } = {}) {
    // node:crypto on first use: a run without --summary-json never loads it (start-up).
    this.hash = options.hash === false ? null : process.getBuiltinModule('node:crypto').createHash('sha256');
  }

  add(r: ScrapeRecord): void {
    this.records++;
    if (r.ok) this.ok++;
    else this.failed++;
    this.bytes += r.bytes;
    this.retries += Math.max(0, r.attempts - 1);
    const cls = r.status === null ? 'none' : `${Math.floor(r.status / 100)}xx`;
    this.byStatusClass[cls] = (this.byStatusClass[cls] ?? 0) + 1;
    if (r.error) this.byErrorCode[r.error.code] = (this.byErrorCode[r.error.code] ?? 0) + 1;
    this.latency[Math.min(BUCKETS - 1, Math.max(0, Math.round(r.ms)))]!++;
    if (this.hash) {
      const { ms: _ms, ...stable } = r;
      this.hash.update(JSON.stringify(stable) + '\n');
    }
  }

  private percentile(p: number): number {
    if (this.records === 0) return 0;
    const rank = Math.ceil(p * this.records);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.latency[i]!;
      if (seen >= rank) return i;
    }
    return BUCKETS - 1;
  }

  totals(): ScrapeTotals {
    return {
      records: this.records,
      ok: this.ok,
      failed: this.failed,
      bytes: this.bytes,
      byStatusClass: { ...this.byStatusClass },
      byErrorCode: { ...this.byErrorCode },
      retries: this.retries,
      p50Ms: this.percentile(0.5),
      p95Ms: this.percentile(0.95),
      resultHash: this.hash ? this.hash.copy().digest('hex') : '',
    };
  }
}
