import { describe, expect, it } from 'vitest';
import { Fifo } from '../../src/engine/fifo.js';

const byValue = (a: number, b: number) => a < b;

describe('Fifo', () => {
  it('gives every item back once, in order, across many interleaved pushes and takes', () => {
    const q = new Fifo<number>();
    const out: number[] = [];
    let next = 0;
    // Uneven rounds, so takes pass the point where the queue compacts itself with items still waiting.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 700; i++) q.push(next++);
      for (let i = 0; i < 500; i++) out.push(q.shift()!);
    }
    expect(q.length).toBe(next - out.length);
    for (let x = q.shift(); x !== undefined; x = q.shift()) out.push(x);
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
    expect(q.length).toBe(0);
  });

  it('shows the oldest item without taking it, and undefined once empty', () => {
    const q = new Fifo<string>();
    expect(q.peek()).toBeUndefined();
    expect(q.shift()).toBeUndefined();
    q.push('a');
    q.push('b');
    expect(q.peek()).toBe('a');
    expect(q.length).toBe(2);
    expect(q.shift()).toBe('a');
    expect(q.peek()).toBe('b');
  });

  it('inserts an item in its place in an ordered queue and says how far from the head it went', () => {
    const q = new Fifo<number>();
    for (const x of [1, 3, 5, 7]) q.push(x);
    q.shift();
    expect(q.insert(8, byValue)).toBe(3);
    expect(q.insert(4, byValue)).toBe(1);
    expect(q.insert(2, byValue)).toBe(0);
    expect(q.values()).toEqual([2, 3, 4, 5, 7, 8]);
  });
});
