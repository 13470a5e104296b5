import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planJob, shownArgs } from '../../src/compare/job-plan.js';

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
});
