/**
 * A run's closing steps (closing -o, writing --cookie-jar) all run, whatever failed before them: the first failure,
 * the run's own or a step's, is the one thrown (it decides the exit code), and every later one rides on it in
 * `alsoFailed`, so that each is said, one line each, and none hides another.
 */
const ALSO = Symbol.for('fanout.alsoFailed');

type Step = (() => unknown) | null | undefined | false;

/**
 * Runs `steps` in order, each even when an earlier one failed; `failure` is what the run itself threw, if it did.
 * Throws the first failure, with the later distinct ones attached.
 */
export async function closeAll(failure: { error: unknown } | null, steps: Step[]): Promise<void> {
  const errors: unknown[] = failure ? [failure.error] : [];
  for (const step of steps) {
    if (!step) continue;
    try {
      await step();
    } catch (err) {
      if (!errors.includes(err)) errors.push(err);
    }
  }
  if (errors.length === 0) return;
  const [first, ...later] = errors;
  if (later.length > 0 && first !== null && typeof first === 'object') {
    Object.defineProperty(first, ALSO, { value: [...alsoFailed(first), ...later], configurable: true });
  }
  throw first;
}

/** The failures that came after `err` and were not thrown (see closeAll). */
export function alsoFailed(err: unknown): unknown[] {
  return (err !== null && typeof err === 'object' && (err as { [ALSO]?: unknown[] })[ALSO]) || [];
}
