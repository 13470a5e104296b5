/**
 * The coordinator's hold on its run in Redis: announces the run (manifest + registry), renews it while the run
 * lives, and removes everything of it at the end. A coordinator that is killed stops renewing: its manifest
 * lapses (workers leave the run) and every key of the run has an expiry, so nothing stays forever.
 */
import type { Redis } from 'ioredis';
import { expireKeys, removeKeys } from './client.js';
import { ANNOUNCE_CHANNEL, RUNS_KEY, type RunKeys } from './keys.js';
import type { Manifest } from './wire.js';

/** The shortest life a run's keys get past the last renewal. */
const MIN_TTL_MS = 30_000;

export class RunLease {
  private timer: NodeJS.Timeout | null = null;
  readonly ttlMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RunKeys,
    private readonly manifest: Manifest,
  ) {
    this.ttlMs = Math.max(MIN_TTL_MS, 3 * manifest.leaseMs);
  }

  async announce(): Promise<void> {
    await this.renew();
    await this.redis.publish(ANNOUNCE_CHANNEL, this.manifest.runId);
    const every = Math.min(10_000, Math.max(1000, this.manifest.leaseMs));
    this.timer = setInterval(() => void this.renew(true).catch(() => {}), every);
    this.timer.unref();
  }

  private async renew(sweep = false): Promise<void> {
    const until = Date.now() + this.ttlMs;
    await this.redis
      .multi()
      .set(this.keys.manifest, JSON.stringify(this.manifest), 'PX', this.ttlMs)
      .zadd(RUNS_KEY, until, this.manifest.runId)
      .pexpire(RUNS_KEY, this.ttlMs)
      .exec();
    // Keys BullMQ and the workers made since the last renewal get an expiry too.
    if (sweep) await expireKeys(this.redis, this.keys.pattern, this.ttlMs);
  }

  /** Withdraws the run: workers stop taking its jobs and leave (they are told at once on the control channel). */
  async withdraw(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.redis.multi().del(this.keys.manifest).zrem(RUNS_KEY, this.manifest.runId).publish(this.keys.control, 'end').exec();
  }

  /** Removes whatever of the run is left (after BullMQ's own obliterate). */
  async removeAll(): Promise<void> {
    await removeKeys(this.redis, this.keys.pattern);
  }
}
