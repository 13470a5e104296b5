#!/usr/bin/env node
/**
 * `npm run build`'s second step: bundles each entry point of dist/src (src/entry-points.ts lists them) with its
 * dependencies into dist/bundle/, one file per entry plus chunks shared by several, so that a command loads a
 * few files instead of ~300 (start-up: docs/benchmarks.md). bin/fanout.js runs the bundle only when it is at
 * least as new as dist/src, so a bare `tsc` afterwards is never hidden by an old bundle. Without esbuild (a
 * production install) this step does nothing and the CLI runs dist/src as compiled.
 */
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const out = `${dist}bundle`;
const tmp = `${dist}bundle.${process.pid}.tmp`;

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  rmSync(out, { recursive: true, force: true });
  process.stderr.write('fanout bundle: esbuild is not installed; the CLI runs the compiled dist/src\n');
  process.exit(0);
}
const { ENTRY_POINTS } = await import(new URL('../dist/src/entry-points.js', import.meta.url).href);
for (const path of Object.values(ENTRY_POINTS)) {
  if (!existsSync(`${dist}src/${path}`)) throw new Error(`fanout bundle: dist/src/${path} is missing: run tsc first`);
}
try {
  const { metafile } = await esbuild.build({
    entryPoints: Object.entries(ENTRY_POINTS).map(([name, path]) => ({ out: name, in: `${dist}src/${path}` })),
    outdir: tmp,
    bundle: true,
    splitting: true, // what a command loads lazily (another command, the job, cheerio's users) stays in its own chunk
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    // Every entry and chunk lies flat in one folder: entryPath() finds an entry as a sibling (src/entry-points.ts).
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    define: { FANOUT_BUNDLED: 'true' },
    // The CommonJS dependencies (undici) require Node's built-ins.
    banner: { js: "import { createRequire as fanoutCreateRequire } from 'node:module'; const require = fanoutCreateRequire(import.meta.url);" },
    // Loaded only by the commands that use them, from node_modules: native add-ons (msgpackr-extract) and
    // modules that find files beside themselves do not survive bundling.
    external: ['bullmq', 'ioredis', 'cheerio', 'cheerio/*'],
    logLevel: 'warning',
    metafile: true, // what each output holds and imports: test/cli/startup-imports.test.ts reads it
  });
  writeFileSync(`${tmp}/meta.json`, JSON.stringify(metafile));
  rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
