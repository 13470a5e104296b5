/**
 * `fanout compare` says what it is doing while it runs, on stderr: the strategy, run k of n and the time elapsed,
 * from the moment a run starts (a long first run used to leave the terminal blank), without touching stdout.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import yargs from 'yargs';
import { afterEach, describe, expect, it } from 'vitest';
import { makeCompareCommand } from '../../src/cli/commands/compare.js';
import { smallFiles } from '../../fixtures/tree.js';
import { FAKE_JOB } from '../compare/fake-job.js';
import { runCli } from '../helpers/cli.js';
import { sink } from '../helpers/sink.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'fanout compare progress '));
  dirs.push(d);
  return d;
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A URL list of n lines (the fake job never fetches them). */
function urls(dir: string, n: number): string {
  const file = join(dir, 'urls.txt');
  writeFileSync(file, Array.from({ length: n }, (_, i) => `http://127.0.0.1:1/${i}`).join('\n') + '\n');
  return file;
}

/** compare, parsed as main.ts does, pointed at the fake job, with its stdout and stderr captured. */
async function compare(argv: string[], stderr: Writable) {
  const stdout = sink();
  const command = makeCompareCommand({ jobCommand: () => ({ command: process.execPath, args: [FAKE_JOB] }), stdout, stderr });
  let code = -1;
  await yargs(argv)
    .strict()
    .command(command.command, command.describe, command.builder, async (args) => {
      code = await command.run(args);
    })
    .parseAsync();
  return { code, stdout: stdout.text };
}

describe('compare progress', () => {
  it('shows "run 1 of N" for each strategy on stderr while that run is still going', async () => {
    const dir = tempDir();
    const hold = join(dir, 'hold');
    mkdirSync(hold);
    // Each run waits until the test lets it go, and the test lets a run go only once stderr announced it.
    let seen = 0;
    const announced: string[] = [];
    const stderr = sink((text) => {
      const starts = [...text.matchAll(/^\[\d+\/\d+\] (\S+) run (\d+) of (\d+) started/gm)];
      while (seen < starts.length) {
        announced.push(`${starts[seen][1]} run ${starts[seen][2]} of ${starts[seen][3]}`);
        seen++;
        writeFileSync(join(hold, 'go'), '');
      }
    });
    const r = await compare(['compare', 'scrape', urls(dir, 4), '--hold', hold, '--modes', 'async,threads', '--workers', '2', '--runs', '2', '--warmup', '0', '--report', join(dir, 'r'), '--json', '--progress'], stderr);
    expect(r.code, stderr.text).toBe(0);
    expect(announced).toEqual(['async run 1 of 2', 'threads:2 run 1 of 2', 'async run 2 of 2', 'threads:2 run 2 of 2']);
    // Not a terminal, --progress: plain lines, a start and an end per run, and no carriage returns or escapes.
    const lines = stderr.text.trimEnd().split('\n');
    expect(lines).toHaveLength(8);
    expect(lines[0]).toMatch(/^\[1\/4\] async run 1 of 2 started \(elapsed \d/);
    expect(lines[1]).toMatch(/^\[1\/4\] async run 1 of 2 took \d+(\.\d+)? m?s \(elapsed \d/);
    expect(stderr.text).not.toMatch(/[\r\x1b]/);
    expect(JSON.parse(r.stdout).strategies).toHaveLength(2);
  }, 60_000);

  it('on a terminal, redraws one line in place from the first run on, and leaves stderr clean for what follows', async () => {
    const dir = tempDir();
    const stderr = Object.assign(sink(), { isTTY: true, columns: 120 });
    const r = await compare(['compare', 'scrape', urls(dir, 3), '--modes', 'async,threads', '--workers', '1', '--runs', '1', '--warmup', '0', '--report', join(dir, 'r'), '--json'], stderr);
    expect(r.code).toBe(0);
    expect(stderr.text).toMatch(/^\r\x1b\[K\[1\/2\] async run 1 of 1 · /);
    expect(stderr.text).toContain('\r\x1b[K[2/2] threads:1 run 1 of 1 · ');
    expect(stderr.text).not.toContain('\n');
    expect(stderr.text.endsWith('\r\x1b[K')).toBe(true);
    expect(JSON.parse(r.stdout).strategies).toHaveLength(2);
  });

  it('says so when a run fails', async () => {
    const dir = tempDir();
    const stderr = sink();
    const r = await compare(['compare', 'scrape', urls(dir, 3), '--crash', 'threads', '--modes', 'async,threads', '--workers', '1', '--runs', '1', '--warmup', '0', '--report', join(dir, 'r'), '--progress'], stderr);
    expect(r.code).toBe(1);
    expect(stderr.text).toMatch(/^\[2\/2\] threads:1 run 1 of 1 failed: exited with code 3/m);
  });

  it('counts warm-ups apart from measured runs', async () => {
    const dir = tempDir();
    const stderr = sink();
    await compare(['compare', 'scrape', urls(dir, 3), '--modes', 'async', '--runs', '1', '--warmup', '1', '--report', join(dir, 'r'), '--progress'], stderr);
    expect(stderr.text).toMatch(/^\[1\/2\] async warm-up 1 of 1 started/m);
    expect(stderr.text).toMatch(/^\[2\/2\] async run 1 of 1 started/m);
  });

  it('is silent with --no-progress on a terminal, and without --progress elsewhere (a piped stderr stays quiet)', async () => {
    const dir = tempDir();
    for (const [stderr, flags] of [[Object.assign(sink(), { isTTY: true }), ['--no-progress']], [sink(), []]] as const) {
      const r = await compare(['compare', 'scrape', urls(dir, 3), '--modes', 'async', '--runs', '1', '--warmup', '0', ...flags, '--report', join(dir, 'r')], stderr);
      expect(r.code).toBe(0);
      expect(stderr.text).toBe('');
    }
  });

  it('through the real command line with --progress: a line per run start and end on stderr, the JSON report alone on stdout', async () => {
    const dir = tempDir();
    const src = join(dir, 'src');
    smallFiles(src, 20);
    const dst = join(dir, 'dst');
    const r = await runCli(['compare', 'copy', src, dst, '--modes', 'async,threads', '--workers', '1', '--runs', '1', '--warmup', '0', '--report', join(dir, 'r'), '--json', '--progress']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.map((l) => l.replace(/ \(elapsed .*$/, '').replace(/took .*/, 'took'))).toEqual([
      '[1/2] async run 1 of 1 started',
      '[1/2] async run 1 of 1 took',
      '[2/2] threads:1 run 1 of 1 started',
      '[2/2] threads:1 run 1 of 1 took',
    ]);
    expect(JSON.parse(r.stdout).strategies.map((s: { id: string }) => s.id)).toEqual(['async', 'threads:1']);
    expect(existsSync(dst)).toBe(false);
  });
});
