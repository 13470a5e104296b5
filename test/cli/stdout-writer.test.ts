import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliOn } from '../helpers/cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fanout stdout writer '));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'a.txt'), 'a\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("copy --dry-run's plan on stdout", () => {
  it('stops with NO_SPACE, one line and exit 2 when stdout is on a full disk', async () => {
    const full = openSync('/dev/full', 'w');
    try {
      const r = await runCliOn(['copy', join(dir, 'src'), join(dir, 'dst'), '--dry-run', '--quiet'], 'pipe', full);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('fanout: NO_SPACE: cannot write stdout: no space left on device\n');
    } finally {
      closeSync(full);
    }
  });
});
