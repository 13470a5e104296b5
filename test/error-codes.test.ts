import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOGUES } from '../src/error-codes.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * docs/errors.md's tables, by the first word of the line that labels each ("Scrape:" -> scrape): the backquoted
 * codes of each table's first column.
 */
function documentedTables(): Map<string, string[]> {
  const doc = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');
  const tables = new Map<string, string[]>();
  let label = '';
  for (const line of doc.split('\n')) {
    const row = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/.exec(line);
    if (row) {
      if (!tables.has(label)) tables.set(label, []);
      tables.get(label)!.push(row[1]!);
    } else if (line.trim() && !line.startsWith('|')) {
      label = /^[*_]*([A-Za-z]+)/.exec(line.trim())?.[1]?.toLowerCase() ?? '';
    }
  }
  return tables;
}

/** src/'s TypeScript files, each with its catalogue arrays (`export const X_CODES = [...]`) cut out. */
function sources(): { path: string; text: string }[] {
  const files = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  return files.map((f) => ({
    path: f,
    text: readFileSync(join(ROOT, 'src', f), 'utf8').replace(/export const [A-Z_]*CODES = \[[\s\S]*?\] as const;/g, ''),
  }));
}

const sorted = (codes: Iterable<string>) => [...new Set(codes)].sort();


describe('the error codes', () => {
  it('are listed in docs/errors.md, one table per layer, exactly as each layer\'s catalogue has them', () => {
    const tables = documentedTables();
    for (const [layer, codes] of Object.entries(CATALOGUES)) {
      expect({ layer, codes: sorted(tables.get(layer) ?? []) }).toEqual({ layer, codes: sorted(codes) });
    }
    // A table for a layer without a catalogue documents codes nothing checks.
    expect(sorted(tables.keys())).toEqual(sorted(Object.keys(CATALOGUES)));
  });

  it('that src/ gives an error are all in a catalogue', () => {
    const known = new Set<string>(Object.values(CATALOGUES).flat());
    const given = /\b(?:FanoutError|serializedError)\(\s*'([A-Z][A-Z0-9_]*)'|\bserializeError\([^()]*,\s*'([A-Z][A-Z0-9_]*)'\)|\berror = \{ code: '([A-Z][A-Z0-9_]*)'|\bcode = '([A-Z][A-Z0-9_]*)'/g;
    const unknown: string[] = [];
    for (const { path, text } of sources()) {
      for (const m of text.matchAll(given)) {
        const code = m.slice(1).find(Boolean)!;
        if (!known.has(code)) unknown.push(`${path}: ${code}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('in a catalogue are each produced somewhere in src/', () => {
    const text = sources().map((s) => s.text).join('\n');
    const unused = Object.values(CATALOGUES).flat().filter((code) => !text.includes(`'${code}'`));
    expect(unused).toEqual([]);
  });
});
