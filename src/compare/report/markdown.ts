/** report.md: the same summary as the terminal, as a GitHub-flavoured Markdown document. */
import type { Comparison } from '../model.js';
import { byRank, COLUMNS, duration, environmentLines, headline, methodLine, workloadLine } from './format.js';

export function renderMarkdown(c: Comparison): string {
  const out: string[] = [];
  out.push('# fanout compare', '');
  out.push(`**Workload:** ${md(workloadLine(c))}`, '');
  out.push(`**Command:** \`${c.workload.job} ${c.workload.args.join(' ').replace(/`/g, "'")}\``, '');
  for (const note of c.workload.notes) out.push(`- ${md(note)}`);
  if (c.workload.notes.length) out.push('');
  out.push(`**${md(headline(c))}**`, '');

  out.push(`| ${COLUMNS.map((col) => col.header).join(' | ')} |`);
  out.push(`|${COLUMNS.map((col) => (col.right ? '---:' : ':---')).join('|')}|`);
  for (const r of byRank(c)) out.push(`| ${COLUMNS.map((col) => md(col.value(r))).join(' | ')} |`);
  out.push('');

  if (c.warnings.length) {
    out.push('## Warnings', '');
    for (const w of c.warnings) out.push(`- ${md(w.message)}`);
    out.push('');
  }

  out.push('## Runs', '');
  out.push('Wall time of every measured run, in the order run (warm-ups not shown; every sample is in report.json).', '');
  for (const r of byRank(c)) {
    const runs = c.samples.filter((s) => s.strategy === r.id && !s.warmup).map((s) => (s.error ? 'failed' : duration(s.wallMs)));
    out.push(`- **${md(r.id)}**: ${runs.join(', ')}${r.correctness.detail ? ` — ${md(r.correctness.detail)}` : ''}`);
  }
  out.push('');

  out.push('## Method', '', md(methodLine(c)), '');
  out.push('## Environment', '');
  out.push('| | |', '|---|---|');
  for (const [k, v] of environmentLines(c)) out.push(`| ${k} | ${md(v)} |`);
  out.push('');
  return out.join('\n');
}

/** Escapes what would break a table cell or turn into markup. */
function md(s: string): string {
  return s.replace(/([\\|*_`<>[\]])/g, '\\$1').replace(/\n/g, ' ');
}
