#!/usr/bin/env node
// Shim: runs the CLI built by `npm install` (the prepare script): the bundle (dist/bundle/cli.cjs, one file
// that V8's code cache holds) when it is at least as new as the compiled tree (dist/src), else the compiled
// tree itself.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/', import.meta.url);
const compiled = new URL('src/cli/bin.js', dist);
const bundled = new URL('bundle/cli.cjs', dist);
const mtime = (url) => statSync(url, { throwIfNoEntry: false })?.mtimeMs ?? -1;

const compiledAt = mtime(compiled);
if (compiledAt < 0) {
  process.stderr.write('fanout: not built yet; run `npm install` (or `npm run build`) in the package folder\n');
  process.exit(2);
}
// `fanout --version` alone needs nothing built (src/cli/bin.ts answers the same for the compiled tree).
if (process.argv.length === 3 && process.argv[2] === '--version') {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else if (mtime(bundled) >= compiledAt) {
  // Node's code cache, where it has a safe one, for the ES modules loaded by URL (see src/cli/compile-cache.ts).
  (await import(new URL('src/cli/compile-cache.js', dist).href)).enableCompileCache();
  const { runWithCodeCache } = await import(new URL('src/cli/script-cache.js', dist).href);
  runWithCodeCache(fileURLToPath(bundled), process.argv[2] ?? ''); // a path, not URL text: %20 stays a space
} else {
  (await import(new URL('src/cli/compile-cache.js', dist).href)).enableCompileCache();
  await import(compiled.href);
}
