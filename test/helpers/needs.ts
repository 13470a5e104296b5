/**
 * Tests that need what only some machines give (root, a tmpfs mount) skip elsewhere with the reason printed:
 * on stderr under the test's name, and as the skip's note in the verbose reporter. A silent skip reads as
 * coverage that is not there.
 */
import type { TestContext } from 'vitest';

const isRoot = process.geteuid?.() === 0;

/** Skips the running test unless `met`, saying why. */
export function skipUnless(ctx: TestContext, met: boolean, reason: string): void {
  if (met) return;
  console.warn(`skipped: ${reason}`);
  ctx.skip(reason);
}

/** Skips the running test unless it runs as root. */
export function needsRoot(ctx: TestContext, what: string): void {
  skipUnless(ctx, isRoot, `needs root (${what})`);
}
