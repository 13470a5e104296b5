import { describe, expect, it } from 'vitest';
import { expandStrategies, strategyFlags } from '../../src/compare/strategy.js';

describe('strategies', () => {
  it('makes every mode × worker-count combination, with async counted once', () => {
    const ids = expandStrategies(['async', 'threads', 'procs'], [1, 2, 4]).map((s) => s.id);
    expect(ids).toEqual(['async', 'threads:1', 'threads:2', 'threads:4', 'procs:1', 'procs:2', 'procs:4']);
  });

  it('drops duplicate modes and worker counts', () => {
    expect(expandStrategies(['threads', 'threads'], [2, 2]).map((s) => s.id)).toEqual(['threads:2']);
  });

  it('refuses an unknown mode or a bad worker count with a stable code', () => {
    expect(() => expandStrategies(['fibers'], [1])).toThrow(expect.objectContaining({ code: 'BAD_STRATEGY' }));
    expect(() => expandStrategies(['threads'], [0])).toThrow(/whole numbers/);
    expect(() => expandStrategies([], [1])).toThrow(/at least one mode/);
  });

  it('passes the job the same flags a user would type', () => {
    const [a, t, p] = expandStrategies(['async', 'threads', 'procs'], [3]);
    expect([strategyFlags(a), strategyFlags(t), strategyFlags(p)]).toEqual([[], ['--threads', '3'], ['--procs', '3']]);
  });
});
