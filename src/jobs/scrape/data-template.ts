/**
 * --data as a template: `{{name}}` is the CSV row's field `name` (curl's --expand-data spelling), encoded for the
 * body's Content-Type: form-urlencoded for a form (the default), escaped as inside a JSON string for a JSON
 * type, as it is otherwise. `\{{` is a literal `{{`. Parsed once per worker; filled per URL.
 */
import { FanoutError } from '../../engine/errors.js';

/** Literal text, or the name of a field. */
export type DataPart = string | { field: string };

const PLACEHOLDER = /\\\{\{|\{\{([^{}]*)\}\}/g;

export function parseDataTemplate(text: string): DataPart[] {
  const parts: DataPart[] = [];
  let literal = '';
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    literal += text.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[1] === undefined) {
      literal += '{{';
      continue;
    }
    if (literal) parts.push(literal);
    literal = '';
    parts.push({ field: m[1].trim() });
  }
  literal += text.slice(last);
  if (literal) parts.push(literal);
  return parts;
}

/** The field names a template uses, each once. */
export function templateFields(parts: readonly DataPart[]): string[] {
  return [...new Set(parts.flatMap((p) => (typeof p === 'string' ? [] : [p.field])))];
}

/**
 * Refuses, before the first request, a template naming a field the input does not have: without --column there
 * are no fields; with it, `columns` are the CSV header's names (the URL column excluded); null when there is no header.
 */
export function checkTemplateFields(parts: readonly DataPart[], column: string | undefined, columns: readonly string[] | null): void {
  const fields = templateFields(parts);
  if (fields.length === 0) return;
  if (column === undefined) throw new FanoutError('USAGE', `--data uses {{${fields[0]}}}, a field of a CSV row: give CSV input with --column (a literal {{ is written \\{{)`);
  if (columns === null) return;
  const unknown = fields.find((f) => !columns.includes(f));
  if (unknown === undefined) return;
  const why = unknown === column ? 'is the URL column' : `is not a column of the input (its other columns: ${columns.join(', ') || 'none'})`;
  throw new FanoutError('USAGE', `--data uses {{${unknown}}}, which ${why}`);
}

/** How a field's value goes into a body of this Content-Type. */
export function fieldEncoder(contentType: string | undefined): (value: string) => string {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return (v) => new URLSearchParams([['', v]]).toString().slice(1);
  if (/^[a-z0-9!#$&^_.+-]+\/([a-z0-9!#$&^_.+-]+\+)?json$/.test(type)) return (v) => JSON.stringify(v).slice(1, -1);
  return (v) => v;
}

/** The body for one row. */
export function fillTemplate(parts: readonly DataPart[], fields: Readonly<Record<string, string>>, encode: (value: string) => string): string {
  let out = '';
  for (const p of parts) out += typeof p === 'string' ? p : encode(fields[p.field] ?? '');
  return out;
}
