/** The table printed on the terminal: the summary, the warnings and where the full report went. */
import type { Comparison } from '../model.js';
import { byRank, COLUMNS, environmentLines, headline, methodLine, workloadLine } from './format.js';

export interface TerminalOptions {
  /** ANSI colour (the fastest in green, flagged strategies in red). Default: off. */
  color?: boolean;
  /** Where the report files were written, to say so at the end. */
  reportDir?: string;
}

export function renderTerminal(c: Comparison, options: TerminalOptions = {}): string {
  const paint = (code: string, s: string) => (options.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const rows = byRank(c);
  const cells = rows.map((r) => COLUMNS.map((col) => col.value(r)));
  const widths = COLUMNS.map((col, i) => Math.max(width(col.header), ...cells.map((row) => width(row[i]))));
  const line = (values: string[]) =>
    values.map((v, i) => (COLUMNS[i].right ? v.padStart(widths[i] + v.length - width(v)) : v.padEnd(widths[i] + v.length - width(v)))).join('  ');

  const out: string[] = [];
  out.push(paint('1', `fanout compare: ${workloadLine(c)}`));
  out.push(paint('2', environmentLines(c).map(([k, v]) => `${k} ${v}`).join(' · ')));
  out.push('');
  out.push(paint('1', line(COLUMNS.map((col) => col.header))));
  rows.forEach((r, i) => {
    const text = line(cells[i]);
    out.push(r.rank === 1 ? paint('32', text) : r.rank === null ? paint('31', text) : text);
  });
  out.push('');
  out.push(paint('1', headline(c)));
  for (const w of c.warnings) out.push(paint('33', `warning: ${w.message}`));
  out.push(paint('2', methodLine(c)));
  if (options.reportDir) out.push(`Report: ${options.reportDir}/report.{html,md,json,csv}`);
  return out.join('\n') + '\n';
}

/** Display width: every character here is one column wide (no East Asian wide characters in these tables). */
function width(s: string): number {
  return [...s].length;
}
