import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fanout last wins '));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'a.txt'), 'a\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an option that takes one value, given twice', () => {
  it('counts the last time (copy --log)', async () => {
    const r = await runCli(['copy', 'src', 'dst', '--log', 'first.jsonl', '--log', 'second.jsonl', '--quiet'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'second.jsonl'))).toBe(true);
    expect(existsSync(join(dir, 'first.jsonl'))).toBe(false);
  });

  it('counts the last time (scrape -o)', async () => {
    const r = await runCli(['scrape', '-', '-o', 'one.jsonl', '--output', 'two.jsonl', '--quiet'], { cwd: dir, input: 'not a url\n' });
    expect(r.code).toBe(1);
    expect(existsSync(join(dir, 'two.jsonl'))).toBe(true);
    expect(existsSync(join(dir, 'one.jsonl'))).toBe(false);
  });

  it('keeps every value of a repeatable option (copy --exclude)', async () => {
    writeFileSync(join(dir, 'src', 'b.tmp'), 'b\n');
    writeFileSync(join(dir, 'src', 'c.bak'), 'c\n');
    const r = await runCli(['copy', 'src', 'dst2', '--exclude', '*.tmp', '--exclude', '*.bak', '--quiet'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'dst2', 'a.txt'))).toBe(true);
    expect(existsSync(join(dir, 'dst2', 'b.tmp'))).toBe(false);
    expect(existsSync(join(dir, 'dst2', 'c.bak'))).toBe(false);
  });

  it('keeps every value of a repeatable option under any of its names (-H, --select-all)', async () => {
    const r = await runCli(['scrape', '-', '--select-all', 'a=title', '--select-all', 'b=h1', '-H', 'A: 1', '--header', 'B: 2', '--quiet'], {
      input: 'not a url\n',
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1); // the record's failure (INVALID_URL), not a usage error
  });
});
