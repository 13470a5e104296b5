/** Worker side of tree-total.ts: walks SRC as the copy does and posts running totals. */
import { lstatSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { entryFilter } from './glob.js';
import type { CountInput, TreeTotal } from './tree-total.js';
import { walk } from './walk.js';

const input = workerData as CountInput;
const total: TreeTotal = { entries: 0, bytes: 0, done: false };
let reported = 0;
for await (const listing of walk(input.src, entryFilter(input.include, input.exclude))) {
  total.entries += 1 + listing.files.length;
  const dir = listing.rel ? `${input.src}/${listing.rel}` : input.src;
  for (const f of listing.files) {
    if (f.type === 'file') total.bytes += lstatSync(`${dir}/${f.name}`, { throwIfNoEntry: false })?.size ?? 0;
  }
  if (total.entries - reported >= 4096) {
    reported = total.entries;
    parentPort!.postMessage(total);
  }
}
total.done = true;
parentPort!.postMessage(total);
