/**
 * Whether bin/fanout.js runs the bundle (dist/bundle, through the code cache) in this checkout: the tests of what
 * only the bundle does skip, saying why, when it does not (a bare `tsc` after the build, or no esbuild: the CLI then
 * runs the compiled tree, and `npm test`, which builds both, runs them).
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'vitest';
import { skipUnless } from './needs.js';

const mtime = (rel: string) => statSync(fileURLToPath(new URL(`../../${rel}`, import.meta.url)), { throwIfNoEntry: false })?.mtimeMs ?? -1;

/** The shim's rule for a checkout: both bundle files at least as new as the compiled CLI. */
export function bundleRuns(): boolean {
  const compiled = mtime('dist/src/cli/bin.js');
  return compiled >= 0 && Math.min(mtime('dist/bundle/cli.cjs'), mtime('dist/bundle/boot.cjs')) >= compiled;
}

/** Skips the running test unless the CLI runs the bundle here. */
export function needsBundle(ctx: TestContext): void {
  skipUnless(ctx, bundleRuns(), 'needs the CLI to run dist/bundle, older than dist/src here or missing (`npm run build` makes both)');
}
