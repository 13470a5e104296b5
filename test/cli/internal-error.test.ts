import { describe, expect, it } from 'vitest';
import { preloading, runCli, smallCopyTree } from '../helpers/cli.js';
import { PLANTED } from '../../fixtures/internal-error.js';

const dir = smallCopyTree('internal error');

/** Preloaded into the CLI, the fixture makes every run's end throw a TypeError: a bug, as fanout sees it. */
function withBug(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return preloading('internal-error', { FANOUT_DEBUG: '', ...env });
}

describe('an internal error (a bug in fanout)', () => {
  it('exits 70, not the usage code 2, with one line on stderr that says how to see the stack', async () => {
    const r = await runCli(['copy', 'src', 'dst-plain', '--quiet'], { cwd: dir(), env: withBug() });
    expect(r.code).toBe(70);
    expect(r.stderr).toBe(`fanout: internal error: ${PLANTED} (FANOUT_DEBUG=1 shows the stack; please report it)\n`);
  });

  it('prints its stack under that line with FANOUT_DEBUG=1, and still exits 70', async () => {
    const r = await runCli(['copy', 'src', 'dst-debug', '--quiet'], { cwd: dir(), env: withBug({ FANOUT_DEBUG: '1' }) });
    expect(r.code).toBe(70);
    const [first, ...stack] = r.stderr.trimEnd().split('\n');
    expect(first).toBe(`fanout: internal error: ${PLANTED} (FANOUT_DEBUG=1 shows the stack; please report it)`);
    expect(stack[0]).toBe(`TypeError: ${PLANTED}`);
    expect(stack.slice(1).every((l) => /^\s+at /.test(l))).toBe(true);
    expect(stack.join('\n')).toContain('internal-error.js');
  });

  it('is told apart from a usage error, which still exits 2 with a pointer to --help', async () => {
    const r = await runCli(['copy', 'src', '--quiet'], { cwd: dir(), env: withBug() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^fanout: .* \(see 'fanout copy --help'\)\n$/);
  });
});
