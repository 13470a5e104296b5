/** scrape's file arguments read whole (--data-file, --cacert) given a device or a folder: refused in one line, never read for ever. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli } from '../../helpers/cli.js';

const dir = mkdtempSync(`${tmpdir()}/fanout file args `);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scrape --data-file and --cacert', () => {
  it.each([
    ['--data-file', '/dev/zero'],
    ['--cacert', '/dev/zero'],
    ['--data-file', dir],
    ['--cacert', dir],
  ])('%s %s is refused with exit 2 and one line', async (flag, file) => {
    const { child, done } = startCli(['scrape', flag, file, 'http://127.0.0.1:9/']);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000); // a safety net only: reading for ever fails the test
    const r = await done;
    clearTimeout(timer);
    expect(r.signal).toBe(null);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(flag);
  }, 60_000);
});
