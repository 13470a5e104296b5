/**
 * `npm run bench [-- engine scrape copy scrape-split]`: runs the benchmarks (the first three by default), prints Markdown and writes it
 * to bench/results.md. Benchmarks are not tests: they measure, and say on which machine.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { machineLine } from './machine.js';

const SECTIONS: Record<string, () => Promise<string>> = {
  engine: async () => (await import('./engine.js')).benchEngine(),
  scrape: async () => (await import('./scrape.js')).benchScrape(),
  copy: async () => (await import('./copy.js')).benchCopy(),
  // ~10 minutes: run on request (`npm run bench -- scrape-split`), not by default.
  'scrape-split': async () => (await import('./scrape-split.js')).benchScrapeSplit(),
};
const DEFAULT_SECTIONS = ['engine', 'scrape', 'copy'];

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !(w in SECTIONS));
if (unknown.length) {
  process.stderr.write(`bench: unknown section ${unknown.join(', ')} (sections: ${Object.keys(SECTIONS).join(', ')})\n`);
  process.exit(2);
}
const parts = [`# fanout benchmarks`, '', `Machine: ${machineLine()}`, ''];
for (const name of wanted.length ? wanted : DEFAULT_SECTIONS) {
  process.stderr.write(`bench: ${name}…\n`);
  const section = await SECTIONS[name]!();
  process.stdout.write(section + '\n');
  parts.push(section, '');
}
const file = fileURLToPath(new URL('../../bench/results.md', import.meta.url));
await writeFile(file, parts.join('\n'));
process.stderr.write(`bench: written to ${file}\n`);
