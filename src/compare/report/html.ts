/** report.html: one self-contained page (inline CSS and SVG, no scripts, nothing fetched). */
import type { Comparison } from '../model.js';
import { renderChart } from './chart.js';
import { escapeXml as x } from './escape.js';
import { byRank, bytes, COLUMNS, duration, environmentLines, headline, methodLine, workloadLine } from './format.js';

const STYLE = `
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d1d1f; margin: 24px 32px; max-width: 1200px; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  h2 { font-size: 16px; margin: 28px 0 8px; }
  .workload { margin: 0 0 10px; color: #333; }
  .workload code { background: #f2f2f4; padding: 1px 5px; border-radius: 3px; }
  dl.env { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 2px 14px; margin: 0; padding: 10px 14px; background: #f6f7f9; border-radius: 6px; font-size: 13px; }
  dl.env dt { color: #666; } dl.env dd { margin: 0; }
  .headline { font-size: 16px; font-weight: 600; margin: 18px 0 6px; }
  figure { margin: 8px 0 0; }
  svg.chart { font-size: 12px; max-width: 100%; height: auto; }
  svg .panel-title { font-weight: 600; fill: #333; }
  svg .label { font-size: 13px; } svg .tick { fill: #666; font-size: 11px; } svg .value { fill: #333; }
  .legend { font-size: 12px; color: #555; margin: 4px 0 0; }
  .legend span { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 12px; vertical-align: -1px; }
  table { border-collapse: collapse; font-size: 13px; }
  th, td { padding: 4px 10px; border-bottom: 1px solid #e4e4e4; white-space: nowrap; }
  th { text-align: left; background: #f6f7f9; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  tr.fastest td { color: #1b5e20; font-weight: 600; }
  tr.flagged td { color: #b71c1c; }
  ul.warnings { padding-left: 20px; } ul.warnings li { color: #8a5a00; margin: 2px 0; }
  .method { color: #555; font-size: 13px; }
  details { margin-top: 12px; } summary { cursor: pointer; font-weight: 600; }
`;

export function renderHtml(c: Comparison): string {
  const env = environmentLines(c)
    .map(([k, v]) => `<dt>${x(k)}</dt><dd>${x(v)}</dd>`)
    .join('');
  const command = `${c.workload.job} ${c.workload.args.join(' ')}`;
  const rows = byRank(c)
    .map((r) => {
      const state = r.rank === 1 ? 'fastest' : r.rank === null ? 'flagged' : 'ranked';
      return `<tr class="${state}" data-strategy="${x(r.id)}">${COLUMNS.map((col) => `<td${col.right ? ' class="num"' : ''}>${x(col.value(r))}</td>`).join('')}</tr>`;
    })
    .join('\n');
  const warnings = c.warnings.length
    ? `<h2>Warnings</h2><ul class="warnings">${c.warnings.map((w) => `<li>${x(w.message)}</li>`).join('')}</ul>`
    : '';
  const samples = c.samples
    .map(
      (s) =>
        `<tr><td class="num">${s.sequence + 1}</td><td>${x(s.strategy)}</td><td>${s.warmup ? 'warm-up' : `run ${s.round + 1}`}</td><td class="num">${x(duration(s.wallMs))}</td><td class="num">${x(duration(s.userMs))}</td><td class="num">${x(duration(s.systemMs))}</td><td class="num">${x(bytes(s.peakRssBytes))}</td><td class="num">${s.job?.failed ?? '—'}</td><td>${x(s.error ?? (s.resultHash ? s.resultHash.slice(0, 19) : '—'))}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fanout compare: ${x(command)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>fanout compare</h1>
<p class="workload">${x(workloadLine(c))}${workloadLine(c).includes(command) ? '' : ` — <code>${x(command)}</code>`}${c.workload.notes.map((n) => `<br>${x(n)}`).join('')}</p>
<dl class="env">${env}</dl>
</header>
<p class="headline">${x(headline(c))}</p>
<figure>
${renderChart(c)}
<figcaption class="legend"><span style="background:#2e7d32"></span>fastest<span style="background:#3b6fb6"></span>ranked<span style="background:#f3d6d6;outline:1px solid #c62828"></span>flagged: result differs or failed, not ranked<span style="background:#8e6bbf"></span>user CPU<span style="background:#c9b4e6"></span>system CPU<span style="background:#d08b2c"></span>peak RSS</figcaption>
</figure>
<h2>Summary</h2>
<table class="summary">
<thead><tr>${COLUMNS.map((col) => `<th${col.right ? ' class="num"' : ''}>${x(col.header)}</th>`).join('')}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
${warnings}
<h2>Method</h2>
<p class="method">${x(methodLine(c))}</p>
<details><summary>Every run (${c.samples.length})</summary>
<table class="samples">
<thead><tr><th class="num">#</th><th>Strategy</th><th>Run</th><th class="num">Wall</th><th class="num">User</th><th class="num">System</th><th class="num">Peak RSS</th><th class="num">Failed</th><th>Result hash / error</th></tr></thead>
<tbody>
${samples}
</tbody>
</table>
</details>
</body>
</html>
`;
}
