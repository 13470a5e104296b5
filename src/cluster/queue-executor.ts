/**
 * The coordinator's side of the cluster runtime: an Executor whose workers are remote. Tasks dispatched in one
 * turn go out as BullMQ jobs on the run's own queue; settlements come back on the run's results stream (see
 * results-reader.ts), and jobs whose worker vanished are reported as crashed so the coordinator's own retry
 * policy applies. The coordinator keeps admission: per-host limits hold across every machine.
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { FanoutError, serializedError, type SerializedError } from '../engine/errors.js';
import type { Executor, ExecutorEvents, ExecutorSpec } from '../engine/executor.js';
import type { WireTask } from '../engine/protocol.js';
import { taskRef } from './builtin-tasks.js';
import { openRedisLink, type RedisLink } from './connection.js';
import { turnJobs, type OutgoingTask } from './job-batches.js';
import { JobsInFlight } from './jobs-in-flight.js';
import { QUEUE_NAME, runKeys, type RunKeys } from './keys.js';
import { ResultsReader } from './results-reader.js';
import { jobState, liveWorkers } from './run-state.js';
import { FANOUT_VERSION } from './version.js';
import { RunLease } from './run-lease.js';
import type { JobData, Manifest, ResultMessage, SharedPaths } from './wire.js';

export interface ClusterOptions {
  /** The Redis every worker of the run reaches, e.g. redis://queue-host:6379. Required. */
  url: string;
  /**
   * Seconds a job's lock lasts without renewal: a worker that dies (or is cut off) has its jobs given back
   * within about this, and their items run again elsewhere. Default: 30.
   */
  leaseSeconds?: number;
  /** Paths every worker must see as the coordinator does; a worker that does not is refused. Default: none. */
  shared?: SharedPaths;
  /** Lines for the user: a worker refused the run, and why. Default: none. */
  onNotice?: (line: string) => void;
  /** The number of workers serving the run, each time it changes (0: waiting for workers). Default: none. */
  onWorkers?: (count: number) => void;
  /** Seconds Redis may stay away mid-run before the run stops (REDIS_LOST; --resume continues it). Default: 30. */
  reconnectSeconds?: number;
  /** While Redis is away: the seconds left, each second; null once it is back. Default: none. */
  onReconnecting?: (secondsLeft: number | null) => void;
}


export async function createQueueExecutor(spec: ExecutorSpec, events: ExecutorEvents, cluster: ClusterOptions): Promise<Executor> {
  const leaseMs = Math.round((cluster.leaseSeconds ?? 30) * 1000);
  const runId = randomBytes(6).toString('hex');
  const keys = runKeys(runId);
  const manifest: Manifest = {
    runId,
    version: FANOUT_VERSION,
    task: taskRef(spec.module),
    options: spec.options ?? null,
    taskTimeoutMs: Number.isFinite(spec.taskTimeoutMs) ? spec.taskTimeoutMs : null,
    leaseMs,
    ...(cluster.shared ? { shared: cluster.shared } : {}),
  };
  let executor: QueueExecutor | undefined;
  const link = openRedisLink(cluster.url, { reconnectSeconds: cluster.reconnectSeconds, onReconnecting: cluster.onReconnecting, onLost: (err) => executor?.cutOff(err) });
  const redis = link.client;
  try {
    await redis.xgroup('CREATE', keys.results, 'c', '$', 'MKSTREAM');
    const lease = new RunLease(redis, keys, manifest);
    const queue = new Queue<JobData>(QUEUE_NAME, { connection: redis, prefix: keys.prefix });
    queue.on('error', () => {}); // reported by the commands that fail
    executor = new QueueExecutor(link, queue, keys, lease, events, cluster, leaseMs);
    await lease.announce();
    executor.start();
    return executor;
  } catch (err) {
    await link.close();
    throw new FanoutError('REDIS_UNREACHABLE', `cannot start the run on ${cluster.url}: ${(err as Error).message}`, { cause: err });
  }
}

class QueueExecutor implements Executor {
  private outbox: OutgoingTask[] = [];
  private flushScheduled = false;
  private readonly inFlight = new JobsInFlight();
  /** Jobs added since the last check, whose keys have no expiry yet. */
  private unexpired: string[] = [];
  private workers = 0;
  private ready = false;
  /** What stopped the run from this side, once something did. */
  private failure: FanoutError | null = null;
  private closed = false;
  private readonly reader: ResultsReader;
  private readonly redis: Redis;

  constructor(
    private readonly link: RedisLink,
    private readonly queue: Queue<JobData>,
    private readonly keys: RunKeys,
    private readonly lease: RunLease,
    private readonly events: ExecutorEvents,
    private readonly cluster: ClusterOptions,
    leaseMs: number,
  ) {
    this.redis = link.client;
    this.reader = new ResultsReader(link.client, keys, {
      message: (m) => this.onMessage(m),
      check: () => this.check(),
      failed: (err) => this.cutOff(err),
    }, Math.max(200, Math.min(5000, leaseMs / 4)));
  }

  start(): void {
    this.reader.start();
  }

  dispatch(task: WireTask, alone = false): void {
    this.outbox.push({ task, alone });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.outbox.length === 0 || this.closed) return;
    const list = this.outbox;
    this.outbox = [];
    const jobs = turnJobs(list, this.workers).map((data) => ({ name: 'b', data, opts: { jobId: this.inFlight.open(data), removeOnComplete: true, removeOnFail: true } }));
    this.queue.addBulk(jobs).then(
      () => {
        const ids = jobs.map((j) => j.opts.jobId);
        this.inFlight.markAdded(ids);
        this.unexpired.push(...ids);
      },
      (err: unknown) => {
        this.fail(err);
        // These jobs are not in Redis: no worker runs them, so nothing is left to wait for.
        this.orphan(jobs.flatMap((j) => this.inFlight.takeJob(j.opts.jobId)));
      },
    );
  }

  private onMessage(m: ResultMessage): void {
    if (m.n) this.cluster.onNotice?.(m.n);
    if (m.j) this.workerJoined();
    if (m.r) for (const id of m.r) if (this.inFlight.has(id)) this.events.keyReleased(id);
    if (m.s) {
      for (const s of m.s) if (this.inFlight.take(s.id)) this.events.settled(s);
    }
    for (const c of m.c ?? []) {
      const ids = c.ids.filter((id) => this.inFlight.take(id));
      if (ids.length > 0) this.events.crashed(ids, c.error, c.beforeReady);
    }
    for (const t of m.to ?? []) {
      const overdue = t.overdue.filter((id) => this.inFlight.take(id));
      const others = t.others.filter((id) => this.inFlight.take(id));
      if (overdue.length + others.length > 0) this.events.timedOut(overdue, others, t.shared);
    }
    if (m.s) this.events.batchSettled();
  }

  private workerJoined(): void {
    if (this.ready) return;
    this.ready = true;
    if (this.workers === 0) {
      this.workers = 1;
      this.cluster.onWorkers?.(1);
    }
    this.events.ready();
  }

  /**
   * Run by the reader between reads: counts live workers, and finds jobs whose worker is gone: a job that
   * vanished with tasks unsettled (failed, or removed), or one still active whose lock lapsed (its worker died
   * or was cut off for longer than the lease). Their tasks are reported as crashed. The reader drains the
   * stream between the state reads and `lost()`, so a job that finished normally has had its results taken.
   */
  private async check(): Promise<(() => Promise<void>) | void> {
    const live = await liveWorkers(this.redis, this.keys);
    // Should the coordinator be killed, nothing it made stays forever: jobs added since the last check, and the
    // lists BullMQ and the workers make again once emptied, get an expiry (the lease renews it).
    const pipe = this.redis.pipeline();
    for (const jobId of this.unexpired) pipe.pexpire(this.keys.job(jobId), this.lease.ttlMs);
    for (const k of this.keys.queueKeys) pipe.pexpire(k, this.lease.ttlMs);
    this.unexpired = [];
    await pipe.exec();
    if (live > 0) this.workerJoined();
    if (live !== this.workers) {
      this.workers = live;
      this.cluster.onWorkers?.(live);
    }
    const ids = this.inFlight.addedJobs();
    if (ids.length === 0) return;
    const states = await Promise.all(ids.map((id) => jobState(this.redis, this.keys, id)));
    return async () => {
      for (let i = 0; i < ids.length; i++) {
        const jobId = ids[i]!;
        if (states[i] === 'running') continue;
        // A stalled job is removed first, unless a worker took it meanwhile (then it is running again).
        if (states[i] === 'stalled' && (await this.queue.remove(jobId)) !== 1) continue;
        this.lost(jobId, { name: 'FanoutError', code: 'WORKER_LOST', message: `its worker stopped answering for longer than the lease` });
      }
    };
  }

  private lost(jobId: string, error: SerializedError): void {
    const ids = this.inFlight.takeJob(jobId);
    if (ids.length > 0) this.events.crashed(ids, error, false);
  }

  /** Stops the run with REDIS_LOST (once). */
  private fail(err: unknown): void {
    if (this.failure || this.closed) return;
    const e = err as Error;
    // NOGROUP: the run's stream is gone, as after a restart of a Redis without persistence.
    const why = /NOGROUP/.test(e.message) ? "Redis came back without this run's queue (restarted without persistence?): the run stops; start it again with --resume" : `the cluster's Redis failed: ${e.message}`;
    this.failure = e instanceof FanoutError && e.code === 'REDIS_LOST' ? e : new FanoutError('REDIS_LOST', why, { cause: err });
    this.events.fatal(this.failure);
  }

  /**
   * Redis is gone for good, or the results stream can no longer be read: no task out can report back, so the run
   * stops without waiting a cancel's grace for them.
   */
  cutOff(err: unknown): void {
    this.fail(err);
    this.orphan(this.inFlight.clear());
  }

  private orphan(ids: number[]): void {
    if (ids.length > 0 && this.failure && !this.closed) this.events.orphaned(ids, serializedError(this.failure.code, this.failure.message));
  }

  /** Tells every worker to abort this run's tasks; tasks not sent yet, and jobs no worker took, never run. */
  cancel(ids: Iterable<number>): number[] {
    const wanted = new Set(ids);
    const dropped = this.outbox.filter((t) => wanted.has(t.task.id)).map((t) => t.task.id);
    this.outbox = this.outbox.filter((t) => !wanted.has(t.task.id));
    void this.redis.publish(this.keys.control, 'cancel').catch(() => {});
    void this.removeWaiting();
    return dropped;
  }

  /** Removes jobs still waiting in the queue (BullMQ refuses to remove one a worker holds). */
  private async removeWaiting(): Promise<void> {
    for (const jobId of this.inFlight.jobIds()) {
      if (!this.inFlight.isAdded(jobId)) continue;
      const removed = await this.queue.remove(jobId).catch(() => 0);
      if (removed === 1) {
        const ids = this.inFlight.takeJob(jobId);
        if (ids.length > 0) this.events.crashed(ids, { name: 'FanoutError', code: 'CANCELLED', message: 'run cancelled' }, true);
      }
    }
  }

  /** The grace period after a cancel is over: tasks still out are given up (their late results are dropped). */
  endBusy(): number[] {
    return this.inFlight.clear();
  }

  async close(graceMs = 5000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Redis is gone or lost the run: nothing there to clean (a killed run's keys expire on their own).
    if (this.failure) return this.link.close();
    try {
      await this.reader.stop();
      await this.lease.withdraw();
      // Workers leave on 'end'; their BullMQ workers are closed before the queue's keys go, so none is re-made.
      const until = Date.now() + Math.min(graceMs, 5000);
      while (Date.now() < until && (await liveWorkers(this.redis, this.keys)) > 0) await new Promise((r) => setTimeout(r, 50));
      await this.queue.obliterate({ force: true });
      await this.queue.close();
      await this.lease.removeAll();
    } finally {
      await this.link.close();
    }
  }
}
