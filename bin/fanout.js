#!/usr/bin/env node
// Shim (CommonJS: bin/package.json): runs the CLI built by `npm install` (the prepare script). The bundle
// (dist/bundle: boot.cjs, then cli.cjs through V8's code cache) when it is at least as new as the compiled tree
// (dist/src), else the compiled tree itself.
'use strict';
const { readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const dist = join(__dirname, '..', 'dist');
const compiled = join(dist, 'src', 'cli', 'bin.js');
const bundle = join(dist, 'bundle');
const mtime = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? -1;

const compiledAt = mtime(compiled);
if (compiledAt < 0) {
  process.stderr.write('fanout: not built yet; run `npm install` (or `npm run build`) in the package folder\n');
  process.exit(2);
}
// `fanout --version` alone needs nothing built (src/cli/bin.ts answers the same for the compiled tree).
if (process.argv.length === 3 && process.argv[2] === '--version') {
  process.stdout.write(`${JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version}\n`);
} else if (mtime(join(bundle, 'cli.cjs')) >= compiledAt && mtime(join(bundle, 'boot.cjs')) >= compiledAt) {
  require(join(bundle, 'boot.cjs')).boot(join(bundle, 'cli.cjs'), process.argv.slice(2));
} else {
  import(pathToFileURL(join(dist, 'src', 'cli', 'compile-cache.js')).href)
    .then((cache) => {
      cache.enableCompileCache();
      return import(pathToFileURL(compiled).href);
    })
    .catch((err) => process.nextTick(() => { throw err; }));
}
