/**
 * `npm run bench [-- engine scrape copy copy-scale startup scrape-split]`: runs the benchmarks (all but scrape-split by default),
 * prints Markdown and inserts it at the top of bench/results.md's history (newest first), so earlier runs and
 * hand-written A/B entries are kept. Benchmarks are not tests: they measure, and say on which machine.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { machineLine } from './machine.js';

const SECTIONS: Record<string, () => Promise<string>> = {
  engine: async () => (await import('./engine.js')).benchEngine(),
  scrape: async () => (await import('./scrape.js')).benchScrape(),
  copy: async () => (await import('./copy.js')).benchCopy(),
  // 200,000 files (FANOUT_BENCH_FILES), ~10 minutes: on request.
  'copy-scale': async () => (await import('./copy-scale.js')).benchCopyScale(),
  startup: async () => (await import('./startup.js')).benchStartup(),
  // ~10 minutes: run on request (`npm run bench -- scrape-split`), not by default.
  'scrape-split': async () => (await import('./scrape-split.js')).benchScrapeSplit(),
  // A private redis-server and local `fanout worker` processes, ~10 minutes: on request.
  cluster: async () => (await import('./cluster.js')).benchCluster(),
  'raw-queue': async () => (await import('./raw-queue.js')).benchRawQueue(),
};
const DEFAULT_SECTIONS = ['engine', 'scrape', 'copy', 'startup'];

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !(w in SECTIONS));
if (unknown.length) {
  process.stderr.write(`bench: unknown section ${unknown.join(', ')} (sections: ${Object.keys(SECTIONS).join(', ')})\n`);
  process.exit(2);
}
const sections = wanted.length ? wanted : DEFAULT_SECTIONS;
const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
const parts = [`## ${when} UTC: \`npm run bench\` (${sections.join(', ')})`, '', `Machine: ${machineLine()}`, ''];
for (const name of sections) {
  process.stderr.write(`bench: ${name}…\n`);
  const section = await SECTIONS[name]!();
  process.stdout.write(section + '\n');
  // A section's own headings go one level below the run's.
  parts.push(section.replace(/^(#+) /gm, '#$1 '), '');
}
const file = fileURLToPath(new URL('../../bench/results.md', import.meta.url));
const MARKER = '<!-- newest first: npm run bench inserts each run below this line -->';
const history = await readFile(file, 'utf8').catch(() => `# fanout benchmark results\n\n${MARKER}\n`);
const at = history.includes(MARKER) ? history.indexOf(MARKER) + MARKER.length : history.length;
await writeFile(file, `${history.slice(0, at)}\n\n${parts.join('\n').trimEnd()}\n${history.slice(at)}`);
process.stderr.write(`bench: written to ${file}\n`);
