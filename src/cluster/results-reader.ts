/**
 * Reads the run's results stream on a connection of its own, with a consumer group: an entry is acknowledged
 * (and deleted) only after it was handed over, so none is lost, and the stream holds only what is unread.
 * Between reads it runs the executor's periodic check; the check's verdict is applied only after the stream was
 * drained, so a job that finished has had its results read before its absence is taken for a loss.
 */
import type { Redis } from 'ioredis';
import type { RunKeys } from './keys.js';
import type { ResultMessage } from './wire.js';

export interface ReaderHandlers {
  message(m: ResultMessage): void;
  /** Reads state; returns what to do once the stream has been drained. */
  check(): Promise<(() => Promise<void>) | void>;
  failed(err: unknown): void;
}

const GROUP = 'c';
const CONSUMER = 'c';
const BATCH = 1000;

export class ResultsReader {
  private readonly conn: Redis;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private acks: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    private readonly keys: RunKeys,
    private readonly on: ReaderHandlers,
    private readonly checkEveryMs: number,
  ) {
    this.conn = redis.duplicate();
    this.conn.on('error', () => {});
  }

  start(): void {
    this.loop = this.run().catch((err: unknown) => {
      if (!this.stopping) this.on.failed(err);
    });
  }

  private async run(): Promise<void> {
    let nextCheck = 0;
    // Until a worker has joined, check often: the first worker's arrival starts the run.
    let fastChecks = true;
    while (!this.stopping) {
      const now = Date.now();
      if (now >= nextCheck) {
        const verdict = await this.on.check();
        while ((await this.read(0)) === BATCH);
        if (verdict) await verdict();
        fastChecks &&= !(await this.redis.exists(this.keys.workers));
        nextCheck = Date.now() + (fastChecks ? Math.min(200, this.checkEveryMs) : this.checkEveryMs);
        continue;
      }
      await this.read(Math.max(1, Math.min(nextCheck - now, 1000)));
    }
  }

  /** One read: blocks up to `blockMs` (0: does not block); returns how many entries came. */
  private async read(blockMs: number): Promise<number> {
    const args: (string | number)[] = ['GROUP', GROUP, CONSUMER, 'COUNT', BATCH];
    if (blockMs > 0) args.push('BLOCK', blockMs);
    args.push('STREAMS', this.keys.results, '>');
    const reply = (await (this.conn.xreadgroup as (...a: unknown[]) => Promise<unknown>)(...args)) as [string, [string, string[]][]][] | null;
    if (this.stopping || !reply) return 0;
    const entries = reply[0]?.[1] ?? [];
    if (entries.length === 0) return 0;
    const ids: string[] = [];
    for (const [id, fields] of entries) {
      ids.push(id);
      const at = fields.indexOf('m');
      if (at >= 0) this.on.message(JSON.parse(fields[at + 1]!) as ResultMessage);
    }
    // Not waited for: the next read need not wait a round trip (a failed ack leaves entries that the run's end removes).
    this.acks = this.redis.multi().xack(this.keys.results, GROUP, ...ids).xdel(this.keys.results, ...ids).exec().then(() => {}, () => {});
    return entries.length;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.conn.disconnect();
    await this.loop;
    await this.acks;
  }
}
