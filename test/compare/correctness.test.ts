import { describe, expect, it } from 'vitest';
import { correctnessGate } from '../../src/compare/correctness.js';
import type { Sample } from '../../src/compare/sample.js';

function sample(strategy: string, hash: string | null, over: Partial<Sample> = {}, ok = 10): Sample {
  const job = hash === null ? null : { items: 10, ok, failed: 0, retries: 0, bytes: 0, elapsedMs: 1, eventLoopDelayP99Ms: 1, resultHash: hash, cpu: { userMs: 1, systemMs: 1 } };
  return {
    strategy, round: 0, warmup: false, sequence: 0, wallMs: 1, userMs: 1, systemMs: 1, cpuSource: 'parent',
    peakRssBytes: null, rssSampledBytes: null, rssSamples: 0, exitCode: 0, signal: null,
    job, resultHash: hash, items: 10, itemsPerSec: 1, bytesPerSec: 0, error: null, ...over,
  };
}

describe('correctness gate', () => {
  it('flags the one strategy whose result differs from the majority, and says what differs', () => {
    const gate = correctnessGate(['a', 'b', 'c'], [sample('a', 'H'), sample('b', 'H'), sample('c', 'X', {}, 9)]);
    expect(gate.majority).toBe('H');
    expect(gate.verdicts.get('a')!.status).toBe('agrees');
    expect(gate.verdicts.get('c')).toMatchObject({ status: 'differs', hash: 'X' });
    expect(gate.verdicts.get('c')!.detail).toContain('ok 9 vs 10');
  });

  it('flags a strategy whose result changes between its own runs, warm-ups included', () => {
    const gate = correctnessGate(['a', 'b'], [sample('a', 'H', { warmup: true }), sample('a', 'H'), sample('b', 'Y', { warmup: true }), sample('b', 'H')]);
    expect(gate.verdicts.get('a')!.status).toBe('agrees');
    expect(gate.verdicts.get('b')!.status).toBe('unstable');
  });

  it('flags a strategy with a crashed run as failed', () => {
    const gate = correctnessGate(['a', 'b'], [sample('a', 'H'), sample('b', null, { error: 'exited with code 3', exitCode: 3 })]);
    expect(gate.verdicts.get('b')).toMatchObject({ status: 'failed' });
    expect(gate.verdicts.get('b')!.detail).toContain('code 3');
    expect(gate.verdicts.get('a')!.status).toBe('agrees');
  });

  it('ranks nobody when two results tie with no majority', () => {
    const gate = correctnessGate(['a', 'b'], [sample('a', 'H'), sample('b', 'X')]);
    expect(gate.majority).toBeNull();
    expect([...gate.verdicts.values()].map((v) => v.status)).toEqual(['no-majority', 'no-majority']);
  });

  it('lets a single strategy agree with itself', () => {
    expect(correctnessGate(['a'], [sample('a', 'H')]).verdicts.get('a')!.status).toBe('agrees');
  });
});
