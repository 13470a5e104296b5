import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * What a command loads before it runs: the bundle's own record (esbuild's metafile) of every file each output
 * holds and imports. The outputs cli.js reaches through static imports load for every command, `--help`
 * included; everything else must wait for a dynamic import made by the command that needs it.
 */
const META = fileURLToPath(new URL('../../dist/bundle/meta.json', import.meta.url));
const hasBundle = existsSync(META);

interface Meta {
  outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[]; inputs: Record<string, unknown> }>;
}

/** Inputs and external packages that load with the output holding `input` (a file of dist/src), through static imports. */
function loadedWith(input: string): { inputs: string[]; externals: string[] } {
  const meta = JSON.parse(readFileSync(META, 'utf8')) as Meta;
  const key = (p: string) => Object.keys(meta.outputs).find((o) => o.endsWith(`/${p.replace(/^.*\//, '')}`))!;
  const start = Object.keys(meta.outputs).find((o) => Object.keys(meta.outputs[o]!.inputs).some((i) => i.endsWith(`dist/src/${input}`)))!;
  const seen = new Set<string>();
  const externals: string[] = [];
  const visit = (out: string) => {
    if (seen.has(out)) return;
    seen.add(out);
    for (const i of meta.outputs[out]!.imports) {
      if (i.kind !== 'import-statement') continue;
      if (i.external) externals.push(i.path);
      else visit(key(i.path));
    }
  };
  visit(start);
  return { inputs: [...seen].flatMap((o) => Object.keys(meta.outputs[o]!.inputs)), externals };
}

const HEAVY = /node_modules\/(undici|htmlparser2|cheerio|bullmq|ioredis)\/|dist\/src\/(compare|demo|cluster|engine\/(coordinator|pool|runtimes)|jobs\/(scrape|copy))\//;
/** What the options of a command may name: lists of choices, kept apart from the code that uses them. */
const DECLARATIONS = /dist\/src\/jobs\/scrape\/output-format\.js$/;
const isJobCode = (input: string) => HEAVY.test(input) && !DECLARATIONS.test(input);
/** Text measurement (string-width's Intl.Segmenter and Unicode-property regular expressions), not its stand-in. */
const TEXT_WIDTH = /^(?!lazy-string-width:).*node_modules\/(string-width|emoji-regex)\//;

describe('start-up', () => {
  if (!hasBundle) console.log('start-up import tests skipped: no dist/bundle (esbuild is not installed)');

  it.skipIf(!hasBundle)('loads nothing but the argument peek before it knows the command (not even the parser)', () => {
    const { inputs, externals } = loadedWith('cli/bin.js');
    expect(inputs.filter((i) => isJobCode(i) || /node_modules\/yargs/.test(i))).toEqual([]);
    expect(externals.filter((e) => !isBuiltin(e))).toEqual([]);
  });

  it.skipIf(!hasBundle)('runs a scrape without -b or --cookie-jar without loading the cookie library, on the coordinator or in a worker', () => {
    for (const input of ['jobs/scrape/scrape.js', 'jobs/scrape/task.js']) {
      const { inputs, externals } = loadedWith(input);
      expect(inputs.some((i) => i.endsWith(`dist/src/${input}`)), input).toBe(true);
      expect(inputs.filter((i) => /node_modules\/(tough-cookie|tldts)|jobs\/scrape\/cookie-/.test(i)), input).toEqual([]);
      expect(externals.filter((e) => /tough-cookie|tldts/.test(e))).toEqual([]);
    }
  });

  it.skipIf(!hasBundle)('loads with the parser and every command\'s options no job, worker, HTTP client, compare or cluster code', () => {
    const { inputs, externals } = loadedWith('cli/main.js');
    expect(inputs.some((i) => /node_modules\/yargs\//.test(i))).toBe(true);
    expect(inputs.filter((i) => isJobCode(i))).toEqual([]);
    expect(externals.filter((e) => !isBuiltin(e))).toEqual([]);
  });

  it.skipIf(!hasBundle)('loads text measurement only when a text is not printable ASCII (what help texts are)', () => {
    // esbuild's record of the CLI bundle: who imports what, and how.
    const meta = JSON.parse(readFileSync(fileURLToPath(new URL('../../dist/bundle/meta-cli.json', import.meta.url)), 'utf8')) as {
      inputs: Record<string, { imports: { path: string; kind: string }[] }>;
    };
    const edges = Object.entries(meta.inputs).flatMap(([from, i]) => i.imports.filter((to) => TEXT_WIDTH.test(to.path) && /string-width/.test(to.path)).map((to) => ({ from, ...to })));
    expect(edges.length).toBeGreaterThan(0);
    // Every import of string-width is its stand-in's call on first need, never an import that runs at load.
    for (const e of edges) expect([e.from.startsWith('lazy-string-width:'), e.kind]).toEqual([true, 'require-call']);
  });

  it.skipIf(!hasBundle)("loads with a scrape's page parser htmlparser2's Parser alone, not its DOM utilities", () => {
    for (const job of ['jobs/scrape/extract.js', 'jobs/scrape/task.js']) {
      const { inputs } = loadedWith(job);
      expect(inputs.some((i) => /node_modules\/htmlparser2\/.*Parser\.js$/.test(i))).toBe(true);
      expect(inputs.filter((i) => /node_modules\/(domutils|dom-serializer|domhandler)\//.test(i))).toEqual([]);
    }
  });

  it.skipIf(!hasBundle)('runs the CLI from one CommonJS file, which V8\'s code cache can hold on Node 20', () => {
    const cli = readFileSync(fileURLToPath(new URL('../../dist/bundle/cli.cjs', import.meta.url)), 'latin1');
    expect(/[^\x00-\x7f]/.test(cli)).toBe(false); // read into a one-byte string at once
    // On Node 20 import() fails in code run from V8's code cache: the one import() left is the fallback for a run
    // without script-cache.ts, which lends FANOUT_IMPORT instead (src/engine/worker/held-modules.ts).
    const imports = cli.split('\n').filter((line) => /(^|[^\w.$])import\(/.test(line) && !/^\s*(\*|\/\/|\/\*)/.test(line));
    expect(imports).toEqual([expect.stringContaining('FANOUT_IMPORT')]);
    const shim = readFileSync(fileURLToPath(new URL('../../bin/fanout.js', import.meta.url)), 'utf8');
    expect(shim).toContain("'cli.cjs'");
    expect(shim).toContain("'boot.cjs'");
  });
});
