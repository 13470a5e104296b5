import { describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { preloading, smallCopyTree, startCli } from '../helpers/cli.js';

const dir = smallCopyTree('signals');

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000; // a safety net only
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('a signal that comes while a run ends', () => {
  it.each([
    ['SIGINT', 130, 'interrupted'],
    ['SIGTERM', 143, 'terminated (SIGTERM)'],
    ['SIGHUP', 129, 'hung up (SIGHUP)'],
  ] as const)('is not lost while the event loop is busy: %s exits %i', async (signal, code, word) => {
    const hold = join(dir(), `hold-${signal}`);
    // The CLI holds its event loop at the run's end (a preloaded fixture) until `hold` exists: the signal's
    // listener can only run after that, as when a Ctrl-C comes while the loop is busy.
    const env = preloading('run-end-hold', { RUN_END_HOLD_FILE: hold });
    const { child, done } = startCli(['copy', 'src', `dst-${signal}`, '--quiet'], { cwd: dir(), env });
    await until(() => existsSync(`${hold}.held`));
    child.kill(signal);
    writeFileSync(hold, '');
    const r = await done;
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(`fanout: ${word} after the run had finished`);
  });
});
