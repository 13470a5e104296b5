import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planJob, shownArgs } from '../../src/compare/job-plan.js';

const dir = mkdtempSync(join(tmpdir(), 'fanout job plan '));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const urls = join(dir, 'urls.txt');
writeFileSync(urls, 'http://127.0.0.1:1/\n');

describe('planJob scrape', () => {
  it.each([
    [['-o', 'out.jsonl'], '-o out.jsonl'],
    [['-oout.jsonl'], '-oout.jsonl'],
    [['--output', 'out.jsonl'], '--output out.jsonl'],
    [['--output=out.jsonl'], '--output=out.jsonl'],
  ])('replaces the job output given as %j with a temporary file and says so', (given, form) => {
    const plan = planJob('scrape', [urls, ...given, '--timeout', '5000']);
    expect(plan.args).toEqual([urls, '--timeout', '5000']);
    expect(plan.notes).toContain(`the job's ${form} was replaced by that temporary file`);
  });

  it.each([
    [['--save', 'pages'], '--save pages'],
    [['--save=pages'], '--save=pages'],
  ])('replaces --save given as %j with a folder per run and says so', (given, form) => {
    const plan = planJob('scrape', [urls, '--retries', '1', ...given]);
    expect(plan.args).toEqual([urls, '--retries', '1']);
    expect(plan.notes).toContain(`the job's ${form} was replaced by a temporary folder per run, deleted after the run`);
  });

  it('keeps options that only start like -o or --save', () => {
    const plan = planJob('scrape', [urls, '--on-error', 'skip', '--saved', 'x']);
    expect(plan.args).toEqual([urls, '--on-error', 'skip', '--saved', 'x']);
  });
});

describe("compare's plan of a scrape", () => {
  it("hides -u's credentials in what a report shows, in every spelling, and runs with them", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fanout plan '));
    try {
      const input = join(dir, 'urls.txt');
      await writeFile(input, 'http://127.0.0.1:1/\n');
      const plan = planJob('scrape', [input, '-u', 'ann:pw1', '--user', 'bob:pw2', '--user=cy:pw3', '-udee:pw4', '--per-host', '2']);
      expect(plan.description).toBe(`fanout scrape ${input} -u *** --user *** --user=*** -u*** --per-host 2`);
      expect(shownArgs(plan.args)).toEqual([input, '-u', '***', '--user', '***', '--user=***', '-u***', '--per-host', '2']);
      expect(plan.args).toContain('ann:pw1');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('hides -H Authorization and Cookie values in their attached spellings too', () => {
    expect(shownArgs(['--header=Authorization: Basic c2VjcmV0', '-HCookie: sid=s3cret', '--header=Accept: text/html', '-HX-Id: 1'])).toEqual([
      '--header=Authorization: ***', '-HCookie: ***', '--header=Accept: text/html', '-HX-Id: 1',
    ]);
  });
});
