#!/usr/bin/env node
/**
 * `npm run build`'s second step: bundles each entry point of dist/src (src/entry-points.ts lists them) with its
 * dependencies into dist/bundle/, one file per entry plus chunks shared by several, so that a command loads a
 * few files instead of ~300 (start-up: docs/benchmarks.md). bin/fanout.js runs the bundle only when it is at
 * least as new as dist/src, so a bare `tsc` afterwards is never hidden by an old bundle. Without esbuild (a
 * production install) this step does nothing and the CLI runs dist/src as compiled.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';

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
// string-width (what yargs and its help layout measure text with) builds an Intl.Segmenter and /v regular
// expressions of Unicode properties when it loads (~17-25 ms on Node 20), though only a help text or an error
// message measures anything, and those are printable ASCII, whose width is their length (string-width's own
// fast path). Every import of it gets a stand-in that answers that case and loads the real module for others.
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(build) {
    build.onResolve({ filter: /^string-width$/ }, async ({ path, importer, resolveDir, kind, pluginData }) => {
      if (pluginData?.real) return undefined;
      const real = await build.resolve(path, { importer, resolveDir, kind, pluginData: { real: true } });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, ({ path }) => ({
      contents: [
        'let real;',
        'export default function stringWidth(text, options) {',
        '  if (typeof text === "string" && /^[\\x20-\\x7e]*$/.test(text)) return text.length;',
        `  real ??= require(${JSON.stringify(path)}).default;`,
        '  return real(text, options);',
        '}',
      ].join('\n'),
      resolveDir: dirname(path),
      loader: 'js',
    }));
  },
};
// fanout's own code takes only the Parser from htmlparser2, whose main module also loads domutils, dom-serializer
// and a second copy of entities for its other exports (~8 ms of start-up for a scrape). Its Parser module alone
// is what they get; a file of ours that asks for more fails the build here rather than load it all silently.
const parserOnly = {
  name: 'htmlparser2-parser-only',
  setup(build) {
    build.onResolve({ filter: /^htmlparser2$/ }, async ({ path, importer, resolveDir, kind, pluginData }) => {
      if (pluginData?.real) return undefined;
      if (!/[\\/]dist[\\/]src[\\/]/.test(importer) || kind !== 'import-statement') return undefined;
      const main = await build.resolve(path, { importer, resolveDir, kind, pluginData: { real: true } });
      if (main.errors.length > 0) return { errors: main.errors };
      const parser = join(dirname(main.path), 'Parser.js');
      if (!existsSync(parser)) return undefined;
      return { path: parser, namespace: 'htmlparser2-parser-only' };
    });
    build.onLoad({ filter: /.*/, namespace: 'htmlparser2-parser-only' }, ({ path }) => ({
      contents: `export { Parser } from ${JSON.stringify(path)};\n`,
      resolveDir: dirname(path),
      loader: 'js',
    }));
  },
};
// undici loads node:http2 as it loads (client-h2.js, which only a connection that negotiated HTTP/2 uses):
// ~7 ms of a plain-HTTP scrape's start-up, node:tls included. It loads on first use instead; a pattern not found
// (another undici) fails the build rather than change silently.
const UNDICI_PATCHES = {
  'lib/dispatcher/client.js': [
    ["const connectH2 = require('./client-h2.js')\n", "const connectH2 = (client, socket) => require('./client-h2.js')(client, socket)\n"],
  ],
};
const undiciLazyBuiltins = {
  name: 'undici-lazy-builtins',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/ }, ({ path }) => {
      const file = path.replace(/\\/g, '/').replace(/^.*\/node_modules\/undici\//, '');
      let contents = readFileSync(path, 'utf8');
      for (const [from, to] of UNDICI_PATCHES[file] ?? []) {
        if (contents.split(from).length !== 2) throw new Error(`fanout bundle: undici's ${file} has changed (${from.trim()}): review UNDICI_PATCHES`);
        contents = contents.replace(from, to);
      }
      return { contents, loader: 'js', resolveDir: dirname(path) };
    });
  },
};
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20.19',
  define: { FANOUT_BUNDLED: 'true' },
  // Node 20 has /v regular expressions: kept as they are rather than rewritten to new RegExp() calls.
  supported: { 'regexp-set-notation': true, 'regexp-unicode-property-escapes': true },
  // Loaded only by the commands that use them, from node_modules: native add-ons (msgpackr-extract) and
  // modules that find files beside themselves do not survive bundling.
  external: ['bullmq', 'ioredis', 'cheerio', 'cheerio/*'],
  plugins: [lazyStringWidth, parserOnly, undiciLazyBuiltins],
  logLevel: 'warning',
  metafile: true, // what each output holds and imports: test/cli/startup-imports.test.ts reads it
};
try {
  // The workers' entries and the jobs' task modules: ESM, one file per entry plus chunks shared by several.
  // (cli.js is built too, unused at run time: its import graph is what the CommonJS CLI evaluates at start.)
  const { metafile } = await esbuild.build({
    ...common,
    entryPoints: Object.entries(ENTRY_POINTS).map(([name, path]) => ({ out: name, in: `${dist}src/${path}` })),
    outdir: tmp,
    splitting: true, // what a command loads lazily (another command, the job, cheerio's users) stays in its own chunk
    format: 'esm',
    // Every entry and chunk lies flat in one folder: entryPath() finds an entry as a sibling (src/entry-points.ts).
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    // The CommonJS dependencies (undici) require Node's built-ins.
    banner: { js: "import { createRequire as fanoutCreateRequire } from 'node:module'; const require = fanoutCreateRequire(import.meta.url);" },
  });
  writeFileSync(`${tmp}/meta.json`, JSON.stringify(metafile));
  // The CLI: one CommonJS file, so that V8's code cache can hold it on Node 20 too (src/cli/script-cache.ts).
  // What it imports dynamically is in the file but runs only when imported; import.meta.url is the file's URL.
  const cli = await esbuild.build({
    ...common,
    entryPoints: { cli: `${dist}src/${ENTRY_POINTS.cli}` },
    outfile: `${tmp}/cli.cjs`,
    format: 'cjs',
    define: { ...common.define, 'import.meta.url': 'fanoutModuleUrl' },
    banner: { js: "const fanoutModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  writeFileSync(`${tmp}/meta-cli.json`, JSON.stringify(cli.metafile));
  // The workers' side of the same: a small boot file each worker starts from, and one CommonJS bundle of both
  // worker entries with the jobs' task modules, which the boot runs through the code cache (worker-file.ts);
  // and the CLI's own boot (bin/fanout.js requires it), which starts the first worker before cli.cjs is read.
  const worker = await esbuild.build({
    ...common,
    entryPoints: {
      'worker-boot': `${dist}src/engine/worker/cached-boot.js`,
      worker: `${dist}src/engine/worker/bundle-entry.js`,
      boot: `${dist}src/cli/boot.js`, // the CLI's own boot, which starts workers ahead (src/cli/boot.ts)
    },
    outdir: tmp,
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    define: { ...common.define, 'import.meta.url': 'fanoutModuleUrl' },
    banner: { js: "const fanoutModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  writeFileSync(`${tmp}/meta-worker.json`, JSON.stringify(worker.metafile));
  asciiOnly(tmp);
  recordHashes(tmp, ['cli.cjs', 'worker.cjs']);
  rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

/**
 * esbuild escapes every non-ASCII character of code (charset 'ascii', its default) but copies comments as they
 * are: the few in dependencies' comments are replaced, so that each output is ASCII, which Node reads into a
 * one-byte string at once (a 2 MB file with one non-ASCII byte takes ~10 ms more to decode, and V8 keeps it in
 * twice the memory).
 */
function asciiOnly(dir) {
  for (const name of readdirSync(dir)) {
    if (!/\.c?js$/.test(name)) continue;
    const text = readFileSync(`${dir}/${name}`, 'utf8');
    if (/[^\x00-\x7f]/.test(text)) writeFileSync(`${dir}/${name}`, text.replace(/[^\x00-\x7f]/g, '?'));
  }
}

/**
 * Writes FILE.sha256 beside each bundle that runs through the code cache: its SHA-256, size and CRC-32, so that a
 * start need not load node:crypto to hash it (src/cli/script-cache.ts trusts the hash while size and CRC-32 match).
 */
function recordHashes(dir, names) {
  for (const name of names) {
    const bytes = readFileSync(`${dir}/${name}`);
    writeFileSync(`${dir}/${name}.sha256`, `${createHash('sha256').update(bytes).digest('hex')} ${bytes.length} ${crc32(bytes)}\n`);
  }
}
