/**
 * One run as a worker serves it: a BullMQ worker takes the run's jobs, a local executor of the worker's own
 * mode (async, threads, procs: the same pool as a local run, with its crash handling and time limits) runs their
 * tasks, and settlements go back on the run's results stream as they come, batched per turn. A job is done once
 * every task of it has been reported.
 */
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { createExecutor } from '../engine/create-executor.js';
import type { SerializedError } from '../engine/errors.js';
import type { Executor } from '../engine/executor.js';
import type { Settlement } from '../engine/protocol.js';
import type { Mode } from '../engine/runtimes/channel.js';
import { QUEUE_NAME, runKeys, type RunKeys } from './keys.js';
import { ADD_RESULT_LUA, EXPIRE_LEFT_LUA, type JobData, type Manifest, type ResultMessage } from './wire.js';

/** Jobs one worker holds at once per run; the coordinator's concurrency is the real bound. */
const JOB_CONCURRENCY = 1000;

export interface LocalPool {
  mode: Mode;
  workers: number;
}

interface HeldJob {
  pending: Set<number>;
  done: () => void;
}

export class ServedRun {
  readonly keys: RunKeys;
  private executor: Executor | null = null;
  private bull: Worker<JobData> | null = null;
  /** Task id -> the job it came in. */
  private readonly owner = new Map<number, HeldJob>();
  private outbox: Required<Pick<ResultMessage, 's' | 'r' | 'c' | 'to'>> = { s: [], r: [], c: [], to: [] };
  private flushScheduled = false;
  private renewTimer: NodeJS.Timeout | null = null;
  private leaving: Promise<void> | null = null;

  constructor(
    private readonly redis: Redis,
    readonly manifest: Manifest,
    private readonly workerId: string,
    private readonly pool: LocalPool,
    /** The task module's path on this machine. */
    private readonly module: string,
  ) {
    this.keys = runKeys(manifest.runId);
  }

  /** Loads the task locally, then registers and starts taking jobs; rejects with the reason it cannot. */
  async join(): Promise<void> {
    let fatal: ((err: Error) => void) | null = null;
    const loaded = new Promise<void>((resolve, reject) => {
      fatal = reject;
      this.readyHook = resolve;
    });
    this.executor = await createExecutor(this.pool.mode, {
      module: this.module,
      options: this.manifest.options,
      workers: this.pool.mode === 'async' ? 1 : this.pool.workers,
      fairShare: Infinity,
      taskTimeoutMs: this.pool.mode === 'async' || this.manifest.taskTimeoutMs === null ? Infinity : this.manifest.taskTimeoutMs,
    }, {
      settled: (s) => this.settled(s),
      keyReleased: (id) => {
        this.outbox.r.push(id);
        this.scheduleFlush();
      },
      batchSettled: () => this.scheduleFlush(),
      crashed: (ids, error, beforeReady) => this.crashed(ids, error, beforeReady),
      timedOut: (overdue, others, shared) => {
        this.outbox.to.push({ overdue, others, shared });
        this.scheduleFlush();
      },
      fatal: (error) => (fatal ? fatal(error) : this.handBack(error)),
      orphaned: () => {}, // a local pool's tasks always report, or their worker's death does
      ready: () => this.readyHook?.(),
    });
    await loaded;
    fatal = null;
    await this.register();
    this.renewTimer = setInterval(() => void this.register().catch(() => {}), Math.max(100, this.manifest.leaseMs / 3));
    this.renewTimer.unref();
    await this.post({ w: this.workerId, j: 1 });
    this.bull = new Worker<JobData>(QUEUE_NAME, (job) => this.process(job), {
      connection: this.redis,
      prefix: this.keys.prefix,
      concurrency: JOB_CONCURRENCY,
      lockDuration: this.manifest.leaseMs,
      // The coordinator finds stalled jobs itself (its check sees an active job without a lock) and runs their
      // tasks again under its own crash policy; BullMQ's check would run them again behind its back.
      skipStalledCheck: true,
      drainDelay: 1,
    });
    this.bull.on('error', () => {}); // a lock lost to the coordinator's check: the tasks run elsewhere
  }

  private readyHook: (() => void) | null = null;

  private async register(): Promise<void> {
    await this.redis.hset(this.keys.workers, this.workerId, String(Date.now() + this.manifest.leaseMs));
    await this.expireLeft();
  }

  /** Keys this worker's BullMQ made again without an expiry get one (EXPIRE_LEFT_LUA). */
  private expireLeft(): Promise<unknown> {
    const { queueKeys } = this.keys;
    return this.redis.eval(EXPIRE_LEFT_LUA, queueKeys.length, ...queueKeys, String(this.manifest.leaseMs));
  }

  private process(job: Job<JobData>): Promise<void> {
    const { tasks, alone } = job.data;
    return new Promise<void>((done) => {
      const held: HeldJob = { pending: new Set(tasks.map((t) => t.id)), done };
      for (const t of tasks) this.owner.set(t.id, held);
      for (const t of tasks) this.executor!.dispatch(t, alone === true);
    });
  }

  private settled(s: Settlement): void {
    this.outbox.s.push(s);
  }

  private crashed(ids: number[], error: SerializedError, beforeReady: boolean): void {
    this.outbox.c.push({ ids, error, beforeReady });
    this.scheduleFlush();
  }

  /** The local pool cannot run tasks any more: everything held goes back to the coordinator, as never started. */
  private handBack(error: SerializedError): void {
    const ids = [...this.owner.keys()];
    if (ids.length > 0) this.crashed(ids, error, true);
    void this.leave();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const o = this.outbox;
    this.outbox = { s: [], r: [], c: [], to: [] };
    const m: ResultMessage = { w: this.workerId };
    if (o.s.length) m.s = o.s;
    if (o.r.length) m.r = o.r;
    if (o.c.length) m.c = o.c;
    if (o.to.length) m.to = o.to;
    if (!m.s && !m.r && !m.c && !m.to) return;
    await this.post(m).catch(() => {});
    const reported = [...o.s.map((s) => s.id), ...o.c.flatMap((c) => c.ids), ...o.to.flatMap((t) => [...t.overdue, ...t.others])];
    for (const id of reported) {
      const held = this.owner.get(id);
      if (!held) continue;
      this.owner.delete(id);
      held.pending.delete(id);
      if (held.pending.size === 0) held.done();
    }
  }

  private post(m: ResultMessage): Promise<unknown> {
    return postResult(this.redis, this.keys, m);
  }

  /** The coordinator cancelled the run: every task here sees its signal aborted; those not started never run. */
  cancel(): void {
    if (!this.executor) return;
    const never = this.executor.cancel([...this.owner.keys()]);
    if (never.length > 0) this.crashed(never, { name: 'FanoutError', code: 'CANCELLED', message: 'run cancelled' }, true);
  }

  /**
   * Stops taking jobs, lets those held finish (their results go back), then ends the local pool and
   * unregisters. `now`: the run is over, nothing held is worth waiting for.
   */
  leave(now = false): Promise<void> {
    this.leaving ??= (async () => {
      if (this.renewTimer) clearInterval(this.renewTimer);
      await this.bull?.close(now);
      await this.executor?.close(now ? 0 : 5000);
      await this.redis.hdel(this.keys.workers, this.workerId).catch(() => {});
      await this.expireLeft().catch(() => {}); // after BullMQ's last writes
    })();
    return this.leaving;
  }
}

/** Adds a message to the run's results stream while the run exists (see ADD_RESULT_LUA). */
export function postResult(redis: Redis, keys: RunKeys, m: ResultMessage): Promise<unknown> {
  const r = redis as Redis & { fanoutAddResult?: (manifest: string, results: string, message: string) => Promise<unknown> };
  // Sent once, then called by its hash (EVALSHA).
  if (!r.fanoutAddResult) redis.defineCommand('fanoutAddResult', { numberOfKeys: 2, lua: ADD_RESULT_LUA });
  return r.fanoutAddResult!(keys.manifest, keys.results, encode(m));
}

/** JSON, with a result that JSON cannot carry failing its own item instead of the whole message. */
function encode(m: ResultMessage): string {
  try {
    return JSON.stringify(m);
  } catch {
    m.s = m.s?.map((s) => {
      try {
        JSON.stringify(s);
        return s;
      } catch (err) {
        const message = `the result of this item cannot be sent to the coordinator as JSON: ${(err as Error).message}`;
        return { id: s.id, kind: 'error', error: { name: 'FanoutError', code: 'RESULT_NOT_CLONEABLE', message } };
      }
    });
    return JSON.stringify(m);
  }
}
