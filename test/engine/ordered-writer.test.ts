import { describe, expect, it } from 'vitest';
import { OrderedWriter } from '../../src/engine/ordered-writer.js';

const r = (index: number) => ({ index });

function shuffled(n: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

describe('OrderedWriter', () => {
  it('emits results in input order whatever order they arrive in', async () => {
    const out: number[] = [];
    const w = new OrderedWriter<{ index: number }>((x) => void out.push(x.index));
    for (const i of shuffled(500)) await w.accept(r(i));
    expect(out).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(w.emitted).toBe(500);
    expect(w.buffered).toBe(0);
  });

  it('holds results behind a missing one and counts them as buffered', () => {
    const out: number[] = [];
    const w = new OrderedWriter<{ index: number }>((x) => void out.push(x.index));
    for (const i of [1, 2, 3]) w.accept(r(i));
    expect(out).toEqual([]);
    expect(w.buffered).toBe(3);
    expect(w.nextIndex).toBe(0);
    w.accept(r(0));
    expect(out).toEqual([0, 1, 2, 3]);
    expect(w.maxBuffered).toBe(3);
    expect(w.nextIndex).toBe(4);
  });

  it('costs no promise when the sink is synchronous', () => {
    const w = new OrderedWriter<{ index: number }>(() => {});
    expect(w.accept(r(1))).toBeUndefined();
    expect(w.accept(r(0))).toBeUndefined();
  });

  it('waits for an asynchronous sink before emitting the next result', async () => {
    const log: string[] = [];
    const w = new OrderedWriter<{ index: number }>(async (x) => {
      log.push(`start ${x.index}`);
      await new Promise((resolve) => setImmediate(resolve));
      log.push(`end ${x.index}`);
    });
    await w.accept(r(1));
    await w.accept(r(0));
    expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1']);
  });

  it('refuses a result delivered twice', () => {
    const w = new OrderedWriter<{ index: number }>(() => {});
    w.accept(r(0));
    w.accept(r(2));
    expect(() => w.accept(r(0))).toThrow(/twice/);
    expect(() => w.accept(r(2))).toThrow(/twice/);
  });

  it('emits in completion order when unordered', () => {
    const out: number[] = [];
    const w = new OrderedWriter<{ index: number }>((x) => void out.push(x.index), false);
    for (const i of [3, 1, 2, 0]) w.accept(r(i));
    expect(out).toEqual([3, 1, 2, 0]);
  });

  it('drops what waited behind a gap on discardRest, leaving the written prefix', () => {
    const out: number[] = [];
    const w = new OrderedWriter<{ index: number }>((x) => void out.push(x.index));
    for (const i of [0, 1, 3, 4]) w.accept(r(i));
    expect(w.discardRest()).toBe(2);
    expect(out).toEqual([0, 1]);
  });
});
