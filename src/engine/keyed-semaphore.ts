/**
 * Per-key admission: at most `limit` holders per key, optionally at most `ratePerSec` starts per second per
 * key, and a key can be paused until a given time (Retry-After, Crawl-delay). Synchronous by design: the
 * coordinator asks `available(key)` before it dispatches, so the limits hold in every runtime.
 */
export interface KeyedSemaphoreOptions {
  /** Concurrent holders allowed per key. Default: Infinity. */
  limit?: number;
  /** Starts per second allowed per key. Default: unlimited. */
  ratePerSec?: number;
  /** Clock, for tests. */
  now?: () => number;
}

interface KeyState {
  active: number;
  /** No start before this time (ms, `now()` clock). */
  notBefore: number;
  /** Minimum gap between starts, from `ratePerSec` or a per-key override. */
  intervalMs: number;
}

export class KeyedSemaphore {
  readonly limit: number;
  private readonly baseIntervalMs: number;
  private readonly now: () => number;
  private readonly keys = new Map<string, KeyState>();

  constructor(options: KeyedSemaphoreOptions = {}) {
    this.limit = options.limit ?? Infinity;
    if (!(this.limit >= 1)) throw new RangeError('limit must be >= 1');
    this.baseIntervalMs = options.ratePerSec ? 1000 / options.ratePerSec : 0;
    this.now = options.now ?? Date.now;
  }

  private state(key: string): KeyState {
    let s = this.keys.get(key);
    if (!s) {
      s = { active: 0, notBefore: 0, intervalMs: this.baseIntervalMs };
      this.keys.set(key, s);
    }
    return s;
  }

  active(key: string): number {
    return this.keys.get(key)?.active ?? 0;
  }

  /** 0 when `key` may start now; otherwise ms until it may (Infinity when only a release can free it). */
  waitMs(key: string): number {
    const s = this.keys.get(key);
    if (!s) return 0;
    if (s.active >= this.limit) return Infinity;
    return Math.max(0, s.notBefore - this.now());
  }

  available(key: string): boolean {
    return this.waitMs(key) === 0;
  }

  /** Takes a slot; callers check `available` first. */
  acquire(key: string): void {
    const s = this.state(key);
    s.active++;
    if (s.intervalMs > 0) s.notBefore = Math.max(s.notBefore, this.now() + s.intervalMs);
  }

  release(key: string): void {
    const s = this.keys.get(key);
    if (!s || s.active === 0) throw new Error(`release of ${key} without acquire`);
    s.active--;
    // Forget idle keys so a run over a million hosts does not keep a million entries.
    if (s.active === 0 && s.notBefore <= this.now() && s.intervalMs === this.baseIntervalMs) this.keys.delete(key);
  }

  /** Holds `key` back for `ms` from now (never shortens an existing pause). */
  pause(key: string, ms: number): void {
    const s = this.state(key);
    s.notBefore = Math.max(s.notBefore, this.now() + ms);
  }

  /** Sets a minimum gap between starts for one key (e.g. robots.txt Crawl-delay); never lowers the base rate. */
  setInterval(key: string, ms: number): void {
    const s = this.state(key);
    s.intervalMs = Math.max(this.baseIntervalMs, ms);
  }
}
