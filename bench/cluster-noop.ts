/**
 * The coordinator of the cluster's no-op ceiling (bench/cluster.ts): one run of N echo tasks through the
 * cluster, whose `fanout worker --task` processes the bench started. Prints the items/s as JSON.
 * argv: Redis URL, items, concurrency.
 */
import { fileURLToPath } from 'node:url';
import { run } from '../src/index.js';

const ECHO = fileURLToPath(new URL('../fixtures/tasks/echo-task.js', import.meta.url));
const [url, items, concurrency] = process.argv.slice(2);
const n = Number(items);

function* range(): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

const started = performance.now();
const summary = await run({ items: range(), task: ECHO, mode: 'cluster', cluster: { url: url! }, concurrency: Number(concurrency), ordered: false });
const seconds = (performance.now() - started) / 1000;
if (summary.failed > 0) throw new Error(`${summary.failed} no-op items failed`);
process.stdout.write(JSON.stringify({ itemsPerSec: n / seconds }) + '\n');
