/**
 * One worker process of the raw-queue benchmark (bench/raw-queue.ts): a bare BullMQ Worker whose processor does
 * nothing, so what is measured is the queue itself. argv: Redis URL, queue name, concurrency.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { bullmqWorkerOptions, parseRedisUrl } from '../src/cluster/redis-url.js';

const [url, name, concurrency] = process.argv.slice(2);
const worker = new Worker(name!, async () => undefined, {
  connection: new Redis(bullmqWorkerOptions(parseRedisUrl(url!))),
  concurrency: Number(concurrency),
  skipVersionCheck: true,
  drainDelay: 1,
});
worker.on('error', () => {});
await worker.waitUntilReady();
process.send!('ready');
process.on('message', async (m) => {
  if (m !== 'stop') return;
  await worker.close();
  process.exit(0);
});
