#!/usr/bin/env node
// Shim: the CLI is TypeScript compiled to dist/ by `npm install` (the prepare script).
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('fanout: not built yet; run `npm install` (or `npm run build`) in the package folder\n');
  process.exit(2);
}
const args = process.argv.slice(2);
// Workers asked for with --threads/--procs start now, while the rest of the CLI loads (see src/cli/prestart.ts).
(await import(new URL('../dist/src/cli/prestart.js', import.meta.url).href)).prestartFromArgv(args);
const { main: run, exitWhenFlushed } = await import(main.href);
// Exits once stdout and stderr have been written out, rather than wait for V8's idle work (see src/cli/exit.ts).
await exitWhenFlushed(await run(args));
