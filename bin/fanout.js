#!/usr/bin/env node
// Shim: the CLI is TypeScript compiled to dist/ by `npm install` (the prepare script).
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('fanout: not built yet; run `npm install` (or `npm run build`) in the package folder\n');
  process.exit(2);
}
const { main: run } = await import(main.href);
const code = await run(process.argv.slice(2));
// Everything is written and closed by now. Exit rather than wait for V8 to finish tiering up undici's WebAssembly
// HTTP parser in the background (~100 ms of an idle event loop, which a short run would pay in full).
process.exit(code);
