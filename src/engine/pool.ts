/**
 * A set of up to `size` workers of one runtime: starts one, and another whenever a task arrives while every
 * started worker has work (a worker costs ~25-80 ms of CPU to start, and a run of one URL needs one); spreads
 * tasks over the least-loaded worker, batches messages, replaces workers that die and reports their in-flight
 * tasks, and gives up when workers keep failing to start.
 * A task dispatched `alone` runs on a worker with nothing else in flight, so a crash is blamed on the right item.
 * With a task time limit, a worker holding a task past it is terminated and replaced (a synchronous loop cannot be
 * interrupted any other way).
 */
import { FanoutError, type SerializedError } from './errors.js';
import type { Executor, ExecutorEvents } from './executor.js';
import type { Settlement, WireTask } from './protocol.js';
import type { Channel } from './runtimes/channel.js';

interface Slot {
  channel: Channel;
  /** Sent to the worker and not settled yet, with when they were sent (performance.now()). */
  inflight: Map<number, number>;
  /** Dispatched this turn, sent at the next flush. */
  outbox: WireTask[];
  /** A task reserved to run alone here: no other task is given to this worker until it settles. */
  alone: WireTask | null;
  ready: boolean;
  dead: boolean;
}

/** Consecutive start-up failures after which the pool stops respawning. */
const MAX_START_FAILURES = 3;
/** How much a worker that is still loading counts as busy when choosing where a task goes. */
const STARTING_PENALTY = 1_000_000;

export class WorkerPool implements Executor {
  private readonly slots: Slot[] = [];
  /** Tasks waiting for a worker because every worker is reserved for a task running alone. */
  private backlog: { task: WireTask; alone: boolean }[] = [];
  private flushScheduled = false;
  private readonly flushBound = () => this.flush();
  private startFailures = 0;
  private anyReady = false;
  private closing = false;
  private failed = false;
  /** Workers being terminated (timed out, or stuck after a cancel): close() waits for them. */
  private readonly ending = new Set<Promise<void>>();
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly spawn: () => Channel,
    /** Most workers at once. */
    private readonly size: number,
    private readonly module: string,
    private readonly options: unknown,
    private readonly events: ExecutorEvents,
    /**
     * Most tasks a ready worker holds while another worker is still starting (the coordinator passes its
     * concurrency / workers). Without it the first worker to load takes every task admitted meanwhile, and a
     * worker that runs its tasks back to back (a copy batch is synchronous) leaves the others idle until then.
     */
    private readonly fairShare = Infinity,
    /** Longest a task may run on a worker (ms); Infinity for no limit. */
    private readonly taskTimeoutMs = Infinity,
  ) {
    this.slots.push(this.start());
    if (Number.isFinite(taskTimeoutMs)) {
      // One timer for all tasks (a timer per task would cost the fast path): the limit is kept to within a tick.
      this.sweepTimer = setInterval(() => this.sweep(), Math.min(1000, Math.max(20, taskTimeoutMs / 4)));
      this.sweepTimer.unref();
    }
  }

  private start(): Slot {
    const slot: Slot = { channel: this.spawn(), inflight: new Map(), outbox: [], alone: null, ready: false, dead: false };
    slot.channel.onMessage((msg) => {
      if (msg.t === 'results') {
        if (msg.released) for (const id of msg.released) if (slot.inflight.has(id)) this.events.keyReleased(id);
        const settled = msg.settled;
        for (let i = 0; i < settled.length; i++) {
          const s = settled[i]!;
          slot.inflight.delete(s.id);
          if (slot.alone?.id === s.id) slot.alone = null;
          this.events.settled(s);
        }
        if (slot.alone || this.backlog.length > 0) this.reschedule();
        this.events.batchSettled();
      } else if (msg.t === 'ready') {
        slot.ready = true;
        this.startFailures = 0;
        if (this.backlog.length > 0) this.reschedule();
        if (!this.anyReady) {
          this.anyReady = true;
          this.events.ready();
        }
      } else if (msg.t === 'init-failed') {
        this.giveUp(new FanoutError('WORKER_START_FAILED', `worker could not load the task: ${msg.error.code}: ${msg.error.message}`));
      }
    });
    slot.channel.onExit((error) => this.onExit(slot, error));
    slot.channel.send({ t: 'init', module: this.module, options: this.options });
    return slot;
  }

  private onExit(slot: Slot, error: SerializedError): void {
    if (slot.dead || this.closing) return;
    const last = !slot.ready && ++this.startFailures >= MAX_START_FAILURES;
    const ids = this.retire(slot, !last);
    if (last) this.giveUp(new FanoutError('WORKER_START_FAILED', `workers keep dying before they are ready (${error.message})`));
    this.events.crashed(ids, error, !slot.ready);
  }

  /** Takes a worker that is gone (or being ended) out of the pool, with a replacement; returns its running tasks. */
  private retire(slot: Slot, replace: boolean): number[] {
    slot.dead = true;
    const ids = [...slot.inflight.keys()];
    slot.inflight.clear();
    // Tasks not sent yet never ran there: they go to other workers, a reserved one to the replacement.
    const alone = slot.alone && !ids.includes(slot.alone.id) ? slot.alone : null;
    for (const task of slot.outbox) if (task !== alone) this.backlog.push({ task, alone: false });
    slot.outbox = [];
    const i = this.slots.indexOf(slot);
    if (!replace) {
      this.slots.splice(i, 1);
      return ids;
    }
    if (!this.failed) {
      const next = this.start();
      this.slots[i] = next;
      if (alone) {
        next.alone = alone;
        next.outbox.push(alone);
        this.scheduleFlush();
      }
      this.reschedule();
    }
    return ids;
  }

  /** Terminates workers holding a task past the time limit; their tasks are reported, the workers replaced. */
  private sweep(): void {
    if (this.closing || this.failed) return;
    const now = performance.now();
    for (const slot of [...this.slots]) {
      if (slot.dead) continue;
      let overdue: number[] | null = null;
      for (const [id, sentAt] of slot.inflight) if (now - sentAt > this.taskTimeoutMs) (overdue ??= []).push(id);
      if (!overdue) continue;
      const shared = slot.inflight.size > 1;
      const ids = this.retire(slot, true);
      this.end(slot);
      this.events.timedOut(overdue, ids.filter((id) => !overdue.includes(id)), shared);
    }
  }

  /** Ends a worker now, whatever it is doing; close() waits for it to be gone. */
  private end(slot: Slot): void {
    slot.dead = true;
    const ended = slot.channel.terminate(0).catch(() => {});
    this.ending.add(ended);
    void ended.then(() => this.ending.delete(ended));
  }

  /**
   * Ends every worker that still has tasks running (the run was cancelled and their grace period is over: a
   * task stuck in synchronous code never sees its signal). Returns their tasks. Not replaced: the run is ending.
   */
  endBusy(): number[] {
    const ids: number[] = [];
    for (const slot of this.slots) {
      if (slot.dead || slot.inflight.size === 0) continue;
      ids.push(...slot.inflight.keys());
      slot.inflight.clear();
      this.end(slot);
    }
    return ids;
  }

  private giveUp(error: FanoutError): void {
    if (this.failed) return;
    this.failed = true;
    this.events.fatal(error);
  }

  /** Sends `task` to the least-loaded worker; with `alone`, to a worker that runs nothing else meanwhile. */
  dispatch(task: WireTask, alone = false): void {
    if (!this.place(task, alone)) this.backlog.push({ task, alone });
  }

  private place(task: WireTask, alone: boolean): boolean {
    this.growIfBusy();
    let best: Slot | undefined;
    let bestScore = Infinity;
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[i]!;
      if (s.dead || s.alone) continue;
      // A worker still loading ranks after every ready one: a task sent there would start late, after its
      // admission (and its key's pacing) was decided.
      const score = s.inflight.size + s.outbox.length + (s.ready ? 0 : STARTING_PENALTY);
      if (score < bestScore) {
        best = s;
        bestScore = score;
      }
    }
    if (!best) {
      if (this.slots.every((s) => s.dead)) throw new FanoutError('WORKER_START_FAILED', 'no live worker');
      return false;
    }
    // Held back for a worker still loading, which gets it once ready unless a ready one frees up first.
    if (!alone && best.ready && bestScore >= this.fairShare && this.slots.some((s) => !s.dead && !s.ready)) return false;
    if (alone) {
      best.alone = task;
      if (best.inflight.size + best.outbox.length > 0) return true; // sent once its other tasks settle (reschedule)
    }
    best.outbox.push(task);
    this.scheduleFlush();
    return true;
  }

  /**
   * Starts another worker when every live one has work, up to `size`. Reserved for a task running alone counts as
   * work; so, for a worker still loading, does a task of the backlog (held back for it: it takes them once ready).
   */
  private growIfBusy(): void {
    if (this.failed || this.closing) return;
    let live = 0;
    let idleLoading = 0;
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[i]!;
      if (s.dead) continue;
      live++;
      if (s.alone || s.inflight.size + s.outbox.length > 0) continue;
      if (s.ready) return;
      idleLoading++;
    }
    if (idleLoading <= this.backlog.length && live < this.size) this.slots.push(this.start());
  }

  /** A worker freed up: start reserved tasks whose worker is now idle, then place what waited. */
  private reschedule(): void {
    for (const s of this.slots) {
      if (!s.dead && s.alone && s.inflight.size === 0 && s.outbox.length === 0) {
        s.outbox.push(s.alone);
        this.scheduleFlush();
      }
    }
    if (this.backlog.length === 0) return;
    const waiting = this.backlog;
    this.backlog = [];
    for (let i = 0; i < waiting.length; i++) {
      const w = waiting[i]!;
      if (!this.place(w.task, w.alone)) this.backlog.push(w);
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // One message per worker for everything dispatched in this turn of the event loop.
    queueMicrotask(this.flushBound);
  }

  private flush(): void {
    this.flushScheduled = false;
    const now = this.sweepTimer ? performance.now() : 0;
    for (const s of this.slots) {
      if (s.dead || s.outbox.length === 0) continue;
      const tasks = s.outbox;
      s.outbox = [];
      for (let i = 0; i < tasks.length; i++) s.inflight.set(tasks[i]!.id, now);
      s.channel.send({ t: 'run', tasks });
    }
  }

  /**
   * Cancels the run where these tasks run (a worker's tasks share one signal: cancelling is only ever the run
   * ending); returns the tasks that had not been sent to a worker (they never ran).
   */
  cancel(ids: Iterable<number>): number[] {
    const wanted = new Set(ids);
    const dropped: number[] = [];
    for (const w of this.backlog) if (wanted.has(w.task.id)) dropped.push(w.task.id);
    this.backlog = this.backlog.filter((w) => !wanted.has(w.task.id));
    for (const s of this.slots) {
      const a = s.alone;
      if (a && wanted.has(a.id) && !s.inflight.has(a.id) && !s.outbox.includes(a)) {
        dropped.push(a.id);
        s.alone = null;
      }
    }
    this.flush();
    for (const s of this.slots) {
      if (s.dead) continue;
      for (const id of s.inflight.keys()) {
        if (!wanted.has(id)) continue;
        s.channel.send({ t: 'cancel' });
        break;
      }
    }
    return dropped;
  }

  async close(graceMs = 5000): Promise<void> {
    this.closing = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await Promise.all([...this.slots.filter((s) => !s.dead).map((s) => s.channel.terminate(graceMs)), ...this.ending]);
  }
}
