/** Writes report.{md,json,csv,html} into a directory, each atomically (temp file, then rename). */
import { join } from 'node:path';
import type { Comparison } from '../model.js';
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { makeDirs } from '../../util/make-dirs.js';
import { writeFileAtomic } from '../../util/write-file-atomic.js';

export const REPORT_FILES = ['report.md', 'report.json', 'report.csv', 'report.html'] as const;

export function writeReports(c: Comparison, dir: string): string[] {
  makeDirs(dir); // compare checked it before the runs; it may have been removed since
  const contents: Record<(typeof REPORT_FILES)[number], string> = {
    'report.md': renderMarkdown(c),
    'report.json': renderJson(c),
    'report.csv': renderCsv(c),
    'report.html': renderHtml(c),
  };
  return REPORT_FILES.map((name) => {
    const file = join(dir, name);
    writeFileAtomic(file, contents[name]);
    return file;
  });
}
