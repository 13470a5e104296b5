#!/usr/bin/env node
// Shim (CommonJS: bin/package.json): runs the built CLI, the bundle (dist/bundle: boot.cjs, then cli.cjs through
// V8's code cache) or else the compiled tree (dist/src). In a checkout (it has tsconfig.json), a bundle older than
// dist/src is stale: a bare `tsc` ran after the build. An installed package (npm packs no tsconfig.json) is never
// recompiled, and its installer gives each file the time it wrote it, in its own order: there the bundle runs
// whenever it is there.
'use strict';
const { readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const dist = join(__dirname, '..', 'dist');
const compiled = join(dist, 'src', 'cli', 'bin.js');
const bundle = join(dist, 'bundle');
const mtime = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? -1;

const compiledAt = mtime(compiled);
// `fanout --version` alone needs nothing built (src/cli/bin.ts answers the same for the compiled tree).
if (process.argv.length === 3 && process.argv[2] === '--version') {
  process.stdout.write(`${JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version}\n`);
} else if (compiledAt < 0) {
  process.stderr.write('fanout: not built yet; run `npm install` (or `npm run build`) in the package folder\n');
  process.exitCode = 2;
} else if (Math.min(mtime(join(bundle, 'cli.cjs')), mtime(join(bundle, 'boot.cjs'))) >= freshFrom()) {
  require(join(bundle, 'boot.cjs')).boot(join(bundle, 'cli.cjs'), process.argv.slice(2));
} else {
  import(pathToFileURL(join(dist, 'src', 'cli', 'compile-cache.js')).href)
    .then((cache) => {
      cache.enableCompileCache();
      return import(pathToFileURL(compiled).href);
    })
    .catch((err) => process.nextTick(() => { throw err; }));
}

/** The time from which the bundle is current: dist/src's in a checkout, any time in an installed package. */
function freshFrom() {
  return mtime(join(__dirname, '..', 'tsconfig.json')) >= 0 ? compiledAt : 0;
}
