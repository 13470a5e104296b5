/** The demo's top-level page: one entry per workload with its takeaway and links to its four report files. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Comparison } from '../compare/model.js';
import { escapeXml } from '../compare/report/escape.js';
import { environmentLines } from '../compare/report/format.js';
import { REPORT_FILES } from '../compare/report/write.js';
import type { DemoWorkload } from './workloads.js';

export interface DemoEntry {
  workload: DemoWorkload;
  comparison: Comparison;
  takeaway: string;
}

export const INDEX_FILES = ['index.md', 'index.html'] as const;

/** Writes index.md and index.html into `dir` (which holds one folder per workload); returns their paths. */
export function writeIndex(dir: string, entries: readonly DemoEntry[]): string[] {
  const md = join(dir, 'index.md');
  const html = join(dir, 'index.html');
  writeFileSync(md, renderIndexMarkdown(entries));
  writeFileSync(html, renderIndexHtml(entries));
  return [md, html];
}

/** The HTML report first: it is the one with the chart. */
const LINK_ORDER = ['report.html', 'report.md', 'report.json', 'report.csv'] as const satisfies readonly (typeof REPORT_FILES)[number][];
const links = (name: string) => LINK_ORDER.map((f) => ({ label: f.slice('report.'.length).toUpperCase(), href: `${name}/${f}` }));

const intro =
  'Each workload was run by `fanout compare` with every strategy, each run in a fresh process, runs interleaved ' +
  'across strategies after a warm-up, on an embedded loopback web site and a generated file tree (no network).';

export function renderIndexMarkdown(entries: readonly DemoEntry[]): string {
  const out = ['# fanout demo', '', intro, ''];
  const env = entries[0] ? environmentLines(entries[0].comparison) : [];
  if (env.length) out.push(env.map(([k, v]) => `${k}: ${v}`).join(' · '), '');
  entries.forEach((e, i) => {
    out.push(`## ${i + 1}. ${e.workload.title}`, '');
    out.push(`${e.workload.detail}.`, '');
    out.push(`**Takeaway:** ${e.takeaway}`, '');
    out.push(links(e.workload.name).map((l) => `[${l.label}](${l.href})`).join(' · '), '');
  });
  return out.join('\n');
}

export function renderIndexHtml(entries: readonly DemoEntry[]): string {
  const env = entries[0] ? environmentLines(entries[0].comparison) : [];
  const sections = entries
    .map(
      (e, i) => `<section>
<h2>${i + 1}. ${escapeXml(e.workload.title)}</h2>
<p>${escapeXml(e.workload.detail)}.</p>
<p><strong>Takeaway:</strong> ${escapeXml(e.takeaway)}</p>
<p>${links(e.workload.name).map((l) => `<a href="${escapeXml(l.href)}">${l.label}</a>`).join(' · ')}</p>
</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>fanout demo</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
.env{color:#666;font-size:13px}section{border-top:1px solid #ddd;margin-top:1.5rem}a{margin-right:.2rem}</style>
</head><body>
<h1>fanout demo</h1>
<p>${escapeXml(intro.replace(/`/g, ''))}</p>
<p class="env">${env.map(([k, v]) => `${escapeXml(k)}: ${escapeXml(v)}`).join(' · ')}</p>
${sections}
</body></html>
`;
}
