import { describe, expect, it } from 'vitest';
import { ResultQueue } from '../../src/engine/result-queue.js';

describe('ResultQueue', () => {
  it('gives items back first in, first out, and ends a for-await once closed and empty', async () => {
    const q = new ResultQueue<number>();
    for (let i = 0; i < 3000; i++) q.push(i);
    q.close();
    const out: number[] = [];
    for await (const x of q) out.push(x);
    expect(out).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });

  it('wakes a waiting consumer when an item is pushed later', async () => {
    const q = new ResultQueue<string>();
    const got = (async () => {
      const out: string[] = [];
      for await (const x of q) out.push(x);
      return out;
    })();
    setImmediate(() => {
      q.push('a');
      setImmediate(() => {
        q.push('b');
        q.close();
      });
    });
    expect(await got).toEqual(['a', 'b']);
  });

  it('takes what is ready without waiting through shift, and reports its length', () => {
    const q = new ResultQueue<number>();
    expect(q.shift()).toBeUndefined();
    q.push(1);
    q.push(2);
    expect(q.length).toBe(2);
    expect(q.shift()).toBe(1);
    expect(q.shift()).toBe(2);
    expect(q.shift()).toBeUndefined();
    expect(q.length).toBe(0);
  });

  it('resolves wait at once when an item is ready or the queue is closed', async () => {
    const q = new ResultQueue<number>();
    q.push(1);
    await q.wait();
    q.shift();
    const waited = q.wait();
    q.close();
    await waited;
    expect(q.closed).toBe(true);
    await q.wait();
  });

  it('refuses a push after close', () => {
    const q = new ResultQueue<number>();
    q.close();
    expect(() => q.push(1)).toThrow(/after close/);
  });
});
