/** The exit codes the CLI decides (src/cli/exit-codes.ts) are the ones README's table documents, both ways. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT, EXIT_ON_SIGNAL } from '../../src/cli/exit-codes.js';

function documentedCodes(): number[] {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  const section = readme.split('\n## Exit codes\n')[1]!.split('\n## ')[0]!;
  const rows = section.split('\n').filter((l) => /^\| \d/.test(l));
  return rows.flatMap((row) => row.split('|')[1]!.split('/').map((c) => Number(c.trim())));
}

describe('exit codes', () => {
  it('README lists every exit code the CLI decides, and no other', () => {
    expect(documentedCodes().sort((a, b) => a - b)).toEqual(Object.values(EXIT).sort((a, b) => a - b));
  });

  it('a signal stops a run with 128 + its number', () => {
    expect(EXIT_ON_SIGNAL).toEqual({ SIGHUP: 128 + 1, SIGINT: 128 + 2, SIGTERM: 128 + 15 });
  });
});
