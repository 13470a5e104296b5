import { describe, expect, it } from 'vitest';
import { AdmissionQueue } from '../../src/engine/admission-queue.js';

interface E {
  index: number;
  key: string;
}

const all = () => true;

function take(q: AdmissionQueue<E>, available: (k: string) => boolean = all): number[] {
  const out: number[] = [];
  for (let e = q.next(available); e; e = q.next(available)) out.push(e.index);
  return out;
}

describe('AdmissionQueue', () => {
  it('hands out items in input order across keys', () => {
    const q = new AdmissionQueue<E>();
    ['a', 'b', 'a', 'c', 'b', 'a'].forEach((key, index) => q.park({ index, key }));
    expect(q.size).toBe(6);
    expect(take(q)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(q.size).toBe(0);
  });

  it('lets items of other keys go ahead of a key that is not available (no head-of-line blocking)', () => {
    const q = new AdmissionQueue<E>();
    ['a', 'a', 'b', 'a', 'b'].forEach((key, index) => q.park({ index, key }));
    expect(take(q, (k) => k !== 'a')).toEqual([2, 4]);
    expect(q.size).toBe(3);
  });

  it('leaves a blocked key alone until it is woken, then serves it in order', () => {
    const q = new AdmissionQueue<E>();
    ['a', 'a', 'b'].forEach((key, index) => q.park({ index, key }));
    let aOpen = false;
    const available = (k: string) => k !== 'a' || aOpen;
    expect(take(q, available)).toEqual([2]);
    aOpen = true;
    expect(q.next(available)).toBeUndefined(); // not asked about again until woken
    q.wake('a');
    expect(take(q, available)).toEqual([0, 1]);
  });

  it('asks about a blocked key only once per wake', () => {
    const q = new AdmissionQueue<E>();
    for (let i = 0; i < 100; i++) q.park({ index: i, key: 'a' });
    let asked = 0;
    const none = (_k: string) => {
      asked++;
      return false;
    };
    for (let i = 0; i < 10; i++) q.next(none);
    expect(asked).toBe(1);
  });

  it('puts a retried item back in its place by index', () => {
    const q = new AdmissionQueue<E>();
    q.park({ index: 5, key: 'a' });
    q.park({ index: 9, key: 'a' });
    q.park({ index: 7, key: 'b' });
    q.park({ index: 2, key: 'a' });
    q.park({ index: 6, key: 'a' });
    expect(take(q)).toEqual([2, 5, 6, 7, 9]);
  });

  it('empties itself on drain and returns what waited', () => {
    const q = new AdmissionQueue<E>();
    ['a', 'b', 'a'].forEach((key, index) => q.park({ index, key }));
    expect(q.drain().map((e) => e.index).sort()).toEqual([0, 1, 2]);
    expect(q.size).toBe(0);
    expect(q.next(all)).toBeUndefined();
  });

  it('keeps input order over many keys and interleaved parks and takes', () => {
    const q = new AdmissionQueue<E>();
    const out: number[] = [];
    let index = 0;
    for (let round = 0; round < 200; round++) {
      for (let j = 0; j < 5; j++, index++) q.park({ index, key: `k${(index * 7) % 13}` });
      for (let j = 0; j < 3; j++) out.push(q.next(all)!.index);
    }
    out.push(...take(q));
    expect(out).toEqual(Array.from({ length: index }, (_, i) => i));
  });
});
