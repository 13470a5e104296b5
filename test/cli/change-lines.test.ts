import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { ChangeLines } from '../../src/cli/change-lines.js';
import { itemizeLine } from '../../src/cli/itemize.js';
import { stdoutWriter } from '../../src/cli/stdout-writer.js';
import { okRecord } from '../../src/jobs/copy/record.js';

const line = (r: Parameters<typeof itemizeLine>[0]) => itemizeLine(r, false);

describe('-i/-v lines on stdout', () => {
  it('writes the lines of records that come together in one write, whole and in order', async () => {
    const out = new PassThrough({ highWaterMark: 1 << 20 });
    const writes: string[] = [];
    out.on('data', (d: Buffer) => writes.push(d.toString()));
    const lines = new ChangeLines(line, stdoutWriter(out));
    for (let i = 0; i < 100; i++) lines.onRecord(okRecord(`f${i}`, 'file', 'copy'));
    lines.onRecord(okRecord('skipped', 'file', 'skip'));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(writes).toHaveLength(1);
    expect(writes[0]).toBe(Array.from({ length: 100 }, (_, i) => `>f+++++++++ f${i}\n`).join(''));
  });

  it('holds the run back while stdout is full, and lets it go once the reader takes the lines', async () => {
    const out = new PassThrough({ highWaterMark: 1024 });
    const lines = new ChangeLines(line, stdoutWriter(out));
    let held: Promise<void> | undefined;
    for (let i = 0; i < 10_000 && !held; i++) held = lines.onRecord(okRecord(`a-rather-long-name-for-a-file-${i}`, 'file', 'copy'));
    expect(held).toBeInstanceOf(Promise);
    let released = false;
    void held!.then(() => (released = true));
    await new Promise((r) => setImmediate(r));
    expect(released).toBe(false);
    out.resume(); // the reader starts reading
    await held;
    expect(lines.failure).toBeNull();
  });

  it('stops the run and says why once stdout fails, without a rejection the run would have to handle', async () => {
    const out = new PassThrough({ highWaterMark: 16 });
    const lines = new ChangeLines(line, stdoutWriter(out));
    const held = lines.onRecord(okRecord('a', 'file', 'copy')) ?? lines.flush();
    out.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    await held;
    lines.onRecord(okRecord('b', 'file', 'copy'));
    await lines.flush();
    expect(lines.stopped.signal.aborted).toBe(true);
    expect((lines.failure as { cause?: { code?: string } }).cause?.code).toBe('EPIPE');
  });
});
