import { describe, expect, it } from 'vitest';
import { KeyedSemaphore } from '../../src/engine/keyed-semaphore.js';

function clock(start = 1000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('KeyedSemaphore', () => {
  it('lets a key start until its limit is held, and again after a release', () => {
    const sem = new KeyedSemaphore({ limit: 2 });
    expect(sem.available('a')).toBe(true);
    sem.acquire('a');
    sem.acquire('a');
    expect(sem.available('a')).toBe(false);
    expect(sem.waitMs('a')).toBe(Infinity);
    sem.release('a');
    expect(sem.available('a')).toBe(true);
    expect(sem.active('a')).toBe(1);
  });

  it('counts every key on its own', () => {
    const sem = new KeyedSemaphore({ limit: 1 });
    sem.acquire('a');
    expect(sem.available('a')).toBe(false);
    expect(sem.available('b')).toBe(true);
  });

  it('has no limit by default', () => {
    const sem = new KeyedSemaphore();
    for (let i = 0; i < 10_000; i++) sem.acquire('a');
    expect(sem.available('a')).toBe(true);
  });

  it('rejects a limit below 1', () => {
    expect(() => new KeyedSemaphore({ limit: 0 })).toThrow(RangeError);
  });

  it('throws on a release without an acquire', () => {
    expect(() => new KeyedSemaphore().release('a')).toThrow(/without acquire/);
  });

  it('holds a paused key back until the pause ends, and says how long', () => {
    const c = clock();
    const sem = new KeyedSemaphore({ now: c.now });
    sem.pause('a', 500);
    expect(sem.waitMs('a')).toBe(500);
    expect(sem.available('b')).toBe(true);
    c.t += 499;
    expect(sem.waitMs('a')).toBe(1);
    c.t += 1;
    expect(sem.available('a')).toBe(true);
  });

  it('never shortens a pause that is already longer', () => {
    const c = clock();
    const sem = new KeyedSemaphore({ now: c.now });
    sem.pause('a', 1000);
    sem.pause('a', 10);
    expect(sem.waitMs('a')).toBe(1000);
  });

  it('spaces the starts of a key by the rate', () => {
    const c = clock();
    const sem = new KeyedSemaphore({ ratePerSec: 4, now: c.now });
    sem.acquire('a');
    sem.release('a');
    expect(sem.waitMs('a')).toBe(250);
    expect(sem.available('b')).toBe(true);
    c.t += 250;
    expect(sem.available('a')).toBe(true);
    sem.acquire('a');
    c.t += 100;
    expect(sem.waitMs('a')).toBe(150);
  });

  it('applies a per-key interval that is slower than the base rate, but never a faster one', () => {
    const c = clock();
    const sem = new KeyedSemaphore({ ratePerSec: 10, now: c.now });
    sem.setInterval('slow', 1000);
    sem.setInterval('fast', 1);
    sem.acquire('slow');
    sem.acquire('fast');
    expect(sem.waitMs('slow')).toBe(1000);
    expect(sem.waitMs('fast')).toBe(100);
  });

  it('forgets a key once it is idle and unpaused, so a million hosts do not stay in memory', () => {
    const c = clock();
    const sem = new KeyedSemaphore({ limit: 1, now: c.now });
    for (let i = 0; i < 1000; i++) {
      sem.acquire(`h${i}`);
      sem.release(`h${i}`);
    }
    expect((sem as unknown as { keys: Map<string, unknown> }).keys.size).toBe(0);
  });

  it('remembers a paused key even when it is idle', () => {
    const c = clock();
    const sem = new KeyedSemaphore({ limit: 1, now: c.now });
    sem.acquire('a');
    sem.pause('a', 100);
    sem.release('a');
    expect(sem.waitMs('a')).toBe(100);
  });
});
