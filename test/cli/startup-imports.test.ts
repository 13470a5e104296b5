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
});
