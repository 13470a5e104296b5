#!/usr/bin/env node
// Shim: runs the CLI built by `npm install` (the prepare script): the bundle (dist/bundle, fast to load) when it
// is at least as new as the compiled tree (dist/src), else the compiled tree itself.
import { statSync } from 'node:fs';

const dist = new URL('../dist/', import.meta.url);
const compiled = new URL('src/cli/bin.js', dist);
const bundled = new URL('bundle/cli.js', dist);
const mtime = (url) => statSync(url, { throwIfNoEntry: false })?.mtimeMs ?? -1;

const compiledAt = mtime(compiled);
if (compiledAt < 0) {
  process.stderr.write('fanout: not built yet; run `npm install` (or `npm run build`) in the package folder\n');
  process.exit(2);
}
// V8's code cache, where Node has a safe one (see src/cli/compile-cache.ts).
(await import(new URL('src/cli/compile-cache.js', dist).href)).enableCompileCache();
await import((mtime(bundled) >= compiledAt ? bundled : compiled).href);
