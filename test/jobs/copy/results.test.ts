/** Taking an item's results on the coordinator (results.ts): after a worker died with an item of several folders. */
import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../src/jobs/copy/batch-result.js';
import { InFlight } from '../../../src/jobs/copy/batches.js';
import { DirCache } from '../../../src/jobs/copy/dir-ref.js';
import type { HardLinks } from '../../../src/jobs/copy/hard-links.js';
import { settle } from '../../../src/jobs/copy/options.js';
import { PendingDirs } from '../../../src/jobs/copy/pending-dirs.js';
import { failedRecord, okRecord, type CopyRecord } from '../../../src/jobs/copy/record.js';
import { RecordSink } from '../../../src/jobs/copy/record-sink.js';
import { Results } from '../../../src/jobs/copy/results.js';
import { RunStop } from '../../../src/jobs/copy/run-stop.js';
import type { CopyItem } from '../../../src/jobs/copy/task.js';
import { isTempName, sweeperFor } from '../../../src/jobs/copy/temp.js';
import { removeTree } from '../../../fixtures/tree.js';

describe('results of an item whose worker died', () => {
  let base: string;
  beforeAll(() => {
    base = mkdtempSync(`${tmpdir()}/fanout results `);
  });
  afterAll(() => removeTree(base));

  it('sweeps the temps a dead worker left in the folders after the one that met a full disk', async () => {
    const src = `${base}/src`;
    const dst = `${base}/dst`;
    const dirs = ['d0', 'd1', 'd2'];
    for (const d of dirs) {
      mkdirSync(`${src}/${d}`, { recursive: true });
      writeFileSync(`${src}/${d}/f`, `${d}\n`);
      mkdirSync(`${dst}/${d}`, { recursive: true });
    }
    // What the first attempt's worker was writing in d2 when it died (this process's pid: not a live writer's).
    const temp = `.fanout-tmp-${process.pid.toString(36)}.1.a.1-f`;
    expect(isTempName(temp)).toBe(true);
    writeFileSync(`${dst}/d2/${temp}`, 'part');

    const records: CopyRecord[] = [];
    const settings = await settle({ src, dst });
    const sink = await RecordSink.open({ src, dst, onRecord: (r) => void records.push(r) });
    const stop = new RunStop();
    const dstDirs = new DirCache(settings.dst);
    const sweep = sweeperFor(settings.src, dstDirs);
    const pending = new PendingDirs(settings, dstDirs, sweep, sink, stop, null);
    const inFlight = new InFlight();
    const results = new Results(sink, pending, inFlight, null as unknown as HardLinks, stop, null, undefined, 0);
    const item: CopyItem = dirs.map((dir) => ({ dir, fresh: false, sgid: false, names: ['f'], types: ['file'] }));
    inFlight.sent(0, dirs.map((dir) => ({ dir, head: { record: okRecord(dir, 'dir', 'skip'), pending: { rel: dir, stat: statSync(`${src}/${dir}`), dirty: false } } })));
    // The second attempt: d0 copied, d1's file met a full disk, d2 never started.
    const noSpace = { name: 'FanoutError', code: 'NO_SPACE' as const, message: 'd1/f: no space left on device' };
    const value = [encodeBatch([okRecord('d0/f', 'file', 'copy')], ['file']), encodeBatch([failedRecord('d1/f', 'file', 'copy', noSpace)], ['file'])];
    await results.take({ index: 0, item, attempts: 2, ok: true, value });
    expect(stop.fatal?.code).toBe('NO_SPACE');
    expect(records.map((r) => r.path)).toEqual(['d0', 'd0/f', 'd1', 'd1/f']);
    // The run's end after a stop (copy.ts): the folders still out, then those marked.
    for (const d of inFlight.dirsLeft()) sweep(d);
    pending.sweepMarked();
    expect(existsSync(`${dst}/d2/${temp}`)).toBe(false);
    dstDirs.close();
    sink.close();
  });
});
