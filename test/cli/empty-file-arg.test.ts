import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fanout empty file arg '));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh folder to run in, holding a one-file tree `src` and an empty URL list. */
function cwd(name: string): string {
  const d = join(dir, name);
  mkdirSync(join(d, 'src'), { recursive: true });
  writeFileSync(join(d, 'src', 'a.txt'), 'a\n');
  writeFileSync(join(d, 'urls.txt'), '');
  return d;
}

describe('an empty file or folder name (an unset "$VAR")', () => {
  it.each([
    [['copy', 'src', 'out', '--log', ''], '--log'],
    [['copy', 'src', 'out', '--summary-json', ''], '--summary-json'],
    [['scrape', 'urls.txt', '-o', ''], '-o'],
    [['scrape', 'urls.txt', '--cookie-jar', ''], '--cookie-jar'],
    [['scrape', 'urls.txt', '--save', ''], '--save'],
    [['scrape', 'urls.txt', '--cacert', ''], '--cacert'],
    [['scrape', 'urls.txt', '--summary-json', ''], '--summary-json'],
  ])('is refused in one line naming the option, exit 2, before anything is done: %j', async (args, option) => {
    const here = cwd(`refused${option}${args[0]}`);
    const r = await runCli(args, { cwd: here });
    expect(r.stderr).toContain(`${option} wants a`);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.code).toBe(2);
    expect(existsSync(join(here, 'out'))).toBe(false);
    expect(readdirSync(here).sort()).toEqual(['src', 'urls.txt']);
  });

  it("is an empty jar to start from for -b, as curl's -b ''", async () => {
    const here = cwd('cookie');
    const r = await runCli(['scrape', 'urls.txt', '-b', ''], { cwd: here });
    expect(r.stderr).not.toContain('wants a');
    expect(r.code).toBe(0);
  });
});
