/**
 * The correctness gate: every strategy must produce the same result. A strategy whose result hash differs from
 * the majority's, changes between its own runs, or has a failed run is flagged and not ranked: a fast wrong
 * answer is not a win.
 */
import type { Sample } from './sample.js';

export type VerdictStatus = 'agrees' | 'differs' | 'unstable' | 'failed' | 'no-majority';

export interface Verdict {
  status: VerdictStatus;
  /** The strategy's result hash, when all its runs agree. */
  hash: string | null;
  /** One sentence for the report (empty when the strategy agrees). */
  detail: string;
}

export interface GateResult {
  /** The hash most strategies produced; null when there is no strict majority. */
  majority: string | null;
  verdicts: Map<string, Verdict>;
}

/** Judges strategies by all their runs, warm-ups included (a wrong warm-up is still a wrong result). */
export function correctnessGate(strategyIds: readonly string[], samples: readonly Sample[]): GateResult {
  const verdicts = new Map<string, Verdict>();
  const settled = new Map<string, { hash: string; sample: Sample }>();
  for (const id of strategyIds) {
    const own = samples.filter((s) => s.strategy === id);
    const broken = own.find((s) => s.error !== null || s.job === null || s.resultHash === null);
    if (own.length === 0 || broken) {
      verdicts.set(id, { status: 'failed', hash: null, detail: broken ? `a run failed: ${broken.error}` : 'no runs' });
      continue;
    }
    const hashes = [...new Set(own.map((s) => s.resultHash!))];
    if (hashes.length > 1) {
      verdicts.set(id, { status: 'unstable', hash: null, detail: `its result changed between runs (${hashes.length} different hashes)` });
      continue;
    }
    settled.set(id, { hash: hashes[0], sample: own[0] });
  }

  const counts = new Map<string, number>();
  for (const { hash } of settled.values()) counts.set(hash, (counts.get(hash) ?? 0) + 1);
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const majority = ranked.length > 0 && (ranked.length === 1 || ranked[0][1] > ranked[1][1]) ? ranked[0][0] : null;
  const reference = majority === null ? undefined : [...settled.values()].find((v) => v.hash === majority)!.sample;

  for (const [id, { hash, sample }] of settled) {
    if (majority === null) {
      verdicts.set(id, { status: 'no-majority', hash, detail: `no majority result: ${counts.size} strategies or groups disagree` });
    } else if (hash !== majority) {
      verdicts.set(id, { status: 'differs', hash, detail: `its result differs from the majority's${countsDiff(sample, reference!)}` });
    } else {
      verdicts.set(id, { status: 'agrees', hash, detail: '' });
    }
  }
  return { majority, verdicts };
}

/** What differs in the counts, if anything: the most telling clue (a dropped item shows here). */
function countsDiff(a: Sample, ref: Sample): string {
  const parts: string[] = [];
  for (const k of ['items', 'ok', 'failed'] as const) {
    if (a.job![k] !== ref.job![k]) parts.push(`${k} ${a.job![k]} vs ${ref.job![k]}`);
  }
  return parts.length ? ` (${parts.join(', ')})` : ' (same counts, different content)';
}
