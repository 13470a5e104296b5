/**
 * Admission: which waiting item may start now. It holds the items parked for a slot (one FIFO per key), the
 * items in flight, the per-key limits (slots, rate, pauses, intervals) and the timers that bring paused keys
 * and delayed retries back. It decides; the coordinator hands what it takes to the executor.
 */
import { AdmissionQueue } from './admission-queue.js';
import { KeyedSemaphore } from './keyed-semaphore.js';
import { StartPacer } from './start-pacer.js';
import type { RunStats } from './run-results.js';
import type { Settings } from './run-settings.js';

/** One item on its way through the run: the same object across all its attempts. */
export interface Entry<I> {
  index: number;
  item: I;
  /** Its admission key; FREE when it has none. */
  key: string;
  /** Task id of the attempt in flight (each dispatch gets a new one, so a stale report finds nothing). */
  id: number;
  attempt: number;
  /** Times its worker died under it. */
  crashes: number;
  /** Times its worker was terminated because it ran past taskTimeoutMs. */
  timeouts: number;
  /** Runs on a worker of its own, so that the next crash or timeout is its own. */
  alone: boolean;
  /** The attempt in flight freed its key's slot early (TaskContext.releaseKey). */
  keyReleased: boolean;
}

/** The key of items without one: they share no limit. */
export const FREE = '\u0000free';

export function newEntry<I>(index: number, item: I, key: string): Entry<I> {
  return { index, item, key, id: -1, attempt: 1, crashes: 0, timeouts: 0, alone: false, keyReleased: false };
}

export class Admission<I> {
  /** Parked items, oldest first per key: the next one taken is the oldest whose key may start. */
  private readonly waiting = new AdmissionQueue<Entry<I>>();
  /** Per-key slots in use, start rate and pauses. */
  private readonly sem: KeyedSemaphore;
  /** The run-wide start rate; null without one. */
  private readonly pacer: StartPacer | null;
  /** Dispatched entries by task id, until they settle: `concurrency` bounds their number. */
  private readonly inflight = new Map<number, Entry<I>>();
  /** Retries waiting out their delay before they are parked again. */
  private readonly delayed = new Set<NodeJS.Timeout>();
  /** Keys held back for a while (rate, pause); one timer, for the earliest, wakes them all (pauses are rare). */
  private readonly pausedKeys = new Set<string>();
  private wakeTimer: NodeJS.Timeout | null = null;
  /** When wakeTimer fires (Date.now() clock); Infinity when it is not set. */
  private wakeAt = Infinity;
  private nextId = 0;

  constructor(
    private readonly settings: Pick<Settings<I, unknown>, 'concurrency' | 'key' | 'keyInterval' | 'perKey' | 'ratePerKey' | 'rate'>,
    /** Live counters; admission keeps `inflight`. */
    private readonly stats: RunStats,
    /** Called when a timer brought items back: they may be dispatched now. */
    private readonly onWake: () => void,
  ) {
    this.sem = new KeyedSemaphore({ limit: settings.perKey, ratePerSec: settings.ratePerKey });
    this.pacer = settings.rate !== undefined ? new StartPacer(settings.rate) : null;
  }

  /** Items dispatched and not settled yet. */
  get running(): number {
    return this.inflight.size;
  }

  /** Nothing waits for a slot or for a retry delay to pass. */
  get idle(): boolean {
    return this.waiting.size === 0 && this.delayed.size === 0;
  }

  /** The key of a new item, its key interval noted; throws what the caller's `key` function throws. */
  keyOf(item: I): string {
    const key = this.settings.key?.(item) ?? FREE;
    if (this.settings.keyInterval && key !== FREE) {
      const ms = this.settings.keyInterval(key);
      if (ms) this.sem.setInterval(key, ms);
    }
    return key;
  }

  park(e: Entry<I>): void {
    this.waiting.park(e);
  }

  /** Parks `e` after `ms` (a retry that asked for a delay). */
  parkLater(e: Entry<I>, ms: number): void {
    if (ms <= 0) return this.waiting.park(e);
    const t = setTimeout(() => {
      this.delayed.delete(t);
      this.waiting.park(e);
      this.onWake();
    }, ms);
    this.delayed.add(t);
  }

  /** Holds every item of `key` back for `ms` (Retry-After). */
  pauseKey(key: string, ms: number): void {
    if (key === FREE) return;
    this.sem.pause(key, ms);
    this.pausedKeys.add(key);
    this.wakeLater(ms);
  }

  /**
   * The next entry to dispatch, now counted in flight with its key slot taken and a fresh task id; undefined
   * when every slot is busy or no waiting key may start.
   */
  take(): Entry<I> | undefined {
    if (this.inflight.size >= this.settings.concurrency) return undefined;
    if (this.pacer) {
      const wait = this.pacer.waitMs();
      if (wait > 0) {
        if (this.waiting.size > 0) this.wakeLater(wait);
        return undefined;
      }
    }
    const e = this.waiting.next(this.isAvailable);
    if (!e) return undefined;
    this.pacer?.started();
    e.id = this.nextId++;
    this.inflight.set(e.id, e);
    this.stats.inflight = this.inflight.size;
    e.keyReleased = false;
    if (e.key !== FREE) this.sem.acquire(e.key);
    return e;
  }

  /** Ends the attempt in flight under `id`; undefined when there is none (already released). */
  release(id: number): Entry<I> | undefined {
    const e = this.inflight.get(id);
    if (!e) return undefined;
    this.inflight.delete(id);
    this.stats.inflight = this.inflight.size;
    this.freeKey(e);
    return e;
  }

  /** The task in flight under `id` freed its key's slot early. */
  releaseKey(id: number): void {
    const e = this.inflight.get(id);
    if (e) this.freeKey(e);
  }

  runningIds(): IterableIterator<number> {
    return this.inflight.keys();
  }

  /** Abandons every attempt in flight (their workers were ended). */
  releaseAll(): void {
    for (const id of [...this.inflight.keys()]) this.release(id);
  }

  /** Drops every waiting and delayed item: the run is stopping. */
  clear(): void {
    for (const t of this.delayed) clearTimeout(t);
    this.delayed.clear();
    this.waiting.drain();
  }

  /** Clears the wake-up timer: the run is over. */
  close(): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
  }

  /** Frees the key slot an entry holds, once per attempt (at its end, or earlier when the task asks). */
  private freeKey(e: Entry<I>): void {
    if (e.keyReleased || e.key === FREE) return;
    e.keyReleased = true;
    this.sem.release(e.key);
    this.waiting.wake(e.key);
  }

  /** Whether an item of `key` may start now; a key paused for a while gets a wake-up timer. */
  private readonly isAvailable = (key: string): boolean => {
    if (key === FREE) return true;
    const wait = this.sem.waitMs(key);
    if (wait === 0) return true;
    if (wait !== Infinity) {
      this.pausedKeys.add(key);
      this.wakeLater(wait);
    }
    return false;
  };

  private wakeLater(ms: number): void {
    const at = Date.now() + ms;
    if (at >= this.wakeAt) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.wakeAt = Infinity;
      for (const k of this.pausedKeys) this.waiting.wake(k);
      this.pausedKeys.clear();
      this.onWake();
    }, ms + 1);
  }
}
