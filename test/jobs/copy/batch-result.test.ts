import { describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch, tallyBatch } from '../../../src/jobs/copy/batch-result.js';
import { failedRecord, okRecord, type CopyRecord, type EntryType } from '../../../src/jobs/copy/record.js';

const types: EntryType[] = ['file', 'file', 'symlink', 'file', 'fifo', 'file'];
const records: CopyRecord[] = [
  okRecord('d/a', 'file', 'copy', 4096),
  okRecord('d/b', 'file', 'skip'),
  okRecord('d/c', 'symlink', 'symlink'),
  { ...okRecord('d/e', 'file', 'copy'), linkKey: '2049:77' },
  failedRecord('d/f', 'fifo', 'mkfifo', { name: 'FanoutError', code: 'PERMISSION', message: 'd/f: EACCES' }),
  okRecord('d/g', 'symlink', 'symlink'), // the walk saw a file; it became a link before its copy
];

describe('batch results', () => {
  it('gives back every record of a batch as it was, from one character per entry plus what differs', () => {
    const encoded = encodeBatch(records, types);
    expect(encoded.actions).toHaveLength(records.length);
    expect(encoded.extra!.map((e) => e.i)).toEqual([3, 4, 5]);
    const paths = records.map((r) => r.path);
    expect(decodeBatch(structuredClone(encoded), (i) => paths[i], types)).toEqual(records);
  });

  it('sends an up-to-date batch as a string of skips, and counts it without records', () => {
    const skips = Array.from({ length: 128 }, (_, i) => okRecord(`f${i}`, 'file', 'skip'));
    const encoded = encodeBatch(skips, skips.map(() => 'file'));
    expect(encoded).toEqual({ actions: '-'.repeat(128) });
    expect(tallyBatch(encoded)).toEqual({ entries: 128, skipped: 128, bytes: 0 });
    expect(tallyBatch(encodeBatch(records.slice(0, 3), types))).toEqual({ entries: 3, skipped: 1, bytes: 4096 });
  });
});
