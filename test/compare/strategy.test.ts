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

  it('makes cluster:N strategies of N local workers, passing the job --cluster URL and keeping the URL out of the strategy', () => {
    const url = 'redis://:secret@127.0.0.1:6390';
    const strategies = expandStrategies(['async', 'cluster'], [1, 2], url);
    expect(strategies).toEqual([
      { id: 'async', mode: 'async', workers: 1 },
      { id: 'cluster:1', mode: 'cluster', workers: 1 },
      { id: 'cluster:2', mode: 'cluster', workers: 2 },
    ]);
    expect(strategyFlags(strategies[2]!, url)).toEqual(['--cluster', url]);
  });

  it('refuses cluster without --cluster, and --cluster without cluster', () => {
    expect(() => expandStrategies(['async', 'cluster'], [2])).toThrow(/'cluster' needs --cluster URL/);
    expect(() => expandStrategies(['async'], [2], 'redis://h:1')).toThrow(/add it to --modes/);
  });
});
