/**
 * Worker side of tree-total.ts: walks SRC as the copy does, posting each directory's atime before listing it
 * (listing moves it) and running totals, on the port it was given.
 */
import { lstatSync } from 'node:fs';
import { workerData, type MessagePort } from 'node:worker_threads';
import { fsPath } from './fs-path.js';
import { bothFilters, listedFilter } from './files-from.js';
import { entryFilter } from './glob.js';
import { MAX_LEAD, type CountInput, type CountMessage, type TreeTotal } from './tree-total.js';
import { walk } from './walk.js';

const { input, port, walked } = workerData as { input: CountInput; port: MessagePort; walked: Int32Array };
const total: TreeTotal = { entries: 0, bytes: 0, done: false };
const post = (m: CountMessage) => port.postMessage(m);
let reported = 0;
let listed = 0;
const before = (rel: string, stat: { atimeMs: number }, atimeNs: bigint) => {
  // At most MAX_LEAD directories ahead of the copy (what it has walked is in `walked`): bounds its queue.
  for (let at = Atomics.load(walked, 0); listed - at > MAX_LEAD; at = Atomics.load(walked, 0)) Atomics.wait(walked, 0, at, 1000);
  listed++;
  post({ t: 'dir', rel, atimeMs: stat.atimeMs, atimeNs });
};
const filter = bothFilters(entryFilter(input.include, input.exclude), input.listed ? listedFilter(input.listed) : undefined);
for await (const listing of walk(input.src, filter, before)) {
  total.entries += 1 + listing.files.length;
  const dir = listing.rel ? `${input.src}/${listing.rel}` : input.src;
  for (const f of listing.files) {
    if (f.type === 'file') total.bytes += lstatSync(fsPath(`${dir}/${f.name}`), { throwIfNoEntry: false })?.size ?? 0;
  }
  if (total.entries - reported >= 4096) {
    reported = total.entries;
    post({ t: 'total', total: { ...total } });
  }
}
total.done = true;
post({ t: 'total', total });
port.close();
