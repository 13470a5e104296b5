/**
 * A fixed-size set of workers of one runtime: spreads tasks over the least-loaded worker, batches messages,
 * replaces workers that die and reports their in-flight tasks, and gives up when workers keep failing to start.
 */
import { FanoutError, type SerializedError } from './errors.js';
import type { Settlement, WireTask } from './protocol.js';
import type { Channel } from './runtimes/channel.js';

export interface PoolEvents {
  settled(s: Settlement): void;
  /** A worker died with these tasks in flight; `beforeReady` when it never finished loading. */
  crashed(ids: number[], error: SerializedError, beforeReady: boolean): void;
  /** Workers cannot start: the run must stop. */
  fatal(error: FanoutError): void;
}

interface Slot {
  channel: Channel;
  inflight: Set<number>;
  outbox: WireTask[];
  ready: boolean;
  dead: boolean;
}

/** Consecutive start-up failures after which the pool stops respawning. */
const MAX_START_FAILURES = 3;

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly owner = new Map<number, Slot>();
  private flushScheduled = false;
  private startFailures = 0;
  private closing = false;
  private failed = false;

  constructor(
    private readonly spawn: () => Channel,
    size: number,
    private readonly module: string,
    private readonly options: unknown,
    private readonly events: PoolEvents,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.start());
  }

  private start(): Slot {
    const slot: Slot = { channel: this.spawn(), inflight: new Set(), outbox: [], ready: false, dead: false };
    slot.channel.onMessage((msg) => {
      if (msg.t === 'results') {
        for (const s of msg.settled) {
          slot.inflight.delete(s.id);
          this.owner.delete(s.id);
          this.events.settled(s);
        }
      } else if (msg.t === 'ready') {
        slot.ready = true;
        this.startFailures = 0;
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
    slot.dead = true;
    const ids = [...slot.inflight, ...slot.outbox.map((t) => t.id)];
    for (const id of ids) this.owner.delete(id);
    slot.inflight.clear();
    slot.outbox = [];
    const i = this.slots.indexOf(slot);
    if (!slot.ready && ++this.startFailures >= MAX_START_FAILURES) {
      this.slots.splice(i, 1);
      this.giveUp(new FanoutError('WORKER_START_FAILED', `workers keep dying before they are ready (${error.message})`));
    } else if (!this.failed) {
      this.slots[i] = this.start();
    }
    this.events.crashed(ids, error, !slot.ready);
  }

  private giveUp(error: FanoutError): void {
    if (this.failed) return;
    this.failed = true;
    this.events.fatal(error);
  }

  dispatch(task: WireTask): void {
    let best: Slot | undefined;
    for (const s of this.slots) {
      if (s.dead) continue;
      if (!best || s.inflight.size + s.outbox.length < best.inflight.size + best.outbox.length) best = s;
    }
    if (!best) throw new FanoutError('WORKER_START_FAILED', 'no live worker');
    best.outbox.push(task);
    this.owner.set(task.id, best);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // One message per worker for everything dispatched in this turn of the event loop.
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    for (const s of this.slots) {
      if (s.dead || s.outbox.length === 0) continue;
      const tasks = s.outbox;
      s.outbox = [];
      for (const t of tasks) s.inflight.add(t.id);
      s.channel.send({ t: 'run', tasks });
    }
  }

  cancel(ids: Iterable<number>): void {
    const bySlot = new Map<Slot, number[]>();
    for (const id of ids) {
      const s = this.owner.get(id);
      if (!s) continue;
      const list = bySlot.get(s);
      if (list) list.push(id);
      else bySlot.set(s, [id]);
    }
    this.flush();
    for (const [s, list] of bySlot) if (!s.dead) s.channel.send({ t: 'cancel', ids: list });
  }

  async close(graceMs = 5000): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.channel.terminate(graceMs)));
  }
}
