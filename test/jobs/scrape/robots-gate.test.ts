import { describe, expect, it } from 'vitest';
import { mapAhead } from '../../../src/jobs/scrape/robots-gate.js';

/** A promise and the function that resolves it. */
function gate<T = void>(): { promise: Promise<T>; open: (v: T) => void } {
  let open!: (v: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

describe('mapAhead', () => {
  it('passes a result on as soon as it is ready, while the source waits for its next line (a stream on stdin)', async () => {
    const more = gate();
    async function* stream() {
      yield 1;
      await more.promise; // nobody has typed the next line yet
      yield 2;
    }
    const out = mapAhead(stream(), async (n) => n * 10, 64);
    expect(await out.next()).toEqual({ value: 10, done: false });
    more.open();
    expect(await out.next()).toEqual({ value: 20, done: false });
    expect((await out.next()).done).toBe(true);
  }, 10_000);

  it('keeps input order when later calls finish first, with at most `ahead` calls in flight', async () => {
    const calls = [gate<string>(), gate<string>(), gate<string>()];
    let started = 0;
    const out = mapAhead((async function* () { yield* [0, 1, 2]; })(), (i) => (started++, calls[i].promise), 2);
    const first = out.next();
    await new Promise((r) => setImmediate(r)); // let it read ahead as far as it may
    expect(started).toBe(2);
    calls[1].open('b');
    calls[0].open('a');
    expect(await first).toEqual({ value: 'a', done: false });
    const second = await out.next();
    expect(second).toEqual({ value: 'b', done: false });
    calls[2].open('c');
    expect((await out.next()).value).toBe('c');
    expect((await out.next()).done).toBe(true);
  });

  it('passes a failed call on as its rejection, in its place', async () => {
    const out = mapAhead((async function* () { yield* [1, 2]; })(), async (n) => {
      if (n === 1) throw new Error('no robots for you');
      return n;
    }, 8);
    await expect(out.next()).rejects.toThrow('no robots for you');
  });
});
