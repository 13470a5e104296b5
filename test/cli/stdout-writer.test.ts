import { describe, expect, it } from 'vitest';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { runCliOn, smallCopyTree } from '../helpers/cli.js';

const dir = smallCopyTree('stdout writer');

describe("copy --dry-run's plan on stdout", () => {
  it('stops with NO_SPACE, one line and exit 2 when stdout is on a full disk', async () => {
    const full = openSync('/dev/full', 'w');
    try {
      const r = await runCliOn(['copy', join(dir(), 'src'), join(dir(), 'dst'), '--dry-run', '--quiet'], 'pipe', full);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('fanout: NO_SPACE: cannot write stdout: no space left on device\n');
    } finally {
      closeSync(full);
    }
  });
});
