/**
 * The report of a URL that was fetched: a non-2xx answer becomes HTTP_STATUS, and an HTML body gives its fields.
 * One builder for the scrape task and the parse-only benchmark task, so both report the same thing.
 */
import { decodeBody } from './charset.js';
import { emptyExtract, extract, isHtml, type ExtractOptions, type Extracted } from './extract.js';
import type { RecordError } from './fetch-errors.js';
import { pageError } from './page-depth.js';
import type { PageReport } from './record.js';
import { publicUrl } from './public-url.js';

/** What one attempt fetched. */
export interface FetchedPage {
  finalUrl: string | null;
  status: number | null;
  contentType: string | null;
  bytes: number;
  /** The decompressed body, or null when none was read. */
  body: Buffer | null;
  error: RecordError | null;
}

/** What was read from a fetched page: its fields, and the first reason it is not ok (or null). */
export interface PageContent {
  fields: Extracted;
  error: RecordError | null;
}

/** Checks the answer's status and extracts an HTML body's fields; a page too deep to read is that page's failure. */
export function pageContent(page: FetchedPage, extractOptions: ExtractOptions): PageContent {
  const { status, body, finalUrl } = page;
  let error = page.error;
  if (!error && status !== null && (status < 200 || status > 299)) error = { code: 'HTTP_STATUS', message: `HTTP ${status}` };
  let fields = emptyExtract(extractOptions);
  if (body && finalUrl && isHtml(page.contentType, body)) {
    try {
      fields = extract(decodeBody(body, page.contentType), finalUrl, extractOptions);
    } catch (err) {
      // The answer's status and size still go in the report.
      const tooDeep = pageError(err);
      if (!tooDeep) throw err;
      error ??= tooDeep;
    }
  }
  return { fields, error };
}

/** What happened to the body under --save: its path relative to the folder (null: not saved), or why it failed. */
export interface SaveOutcome {
  savedAs: string | null;
  error: RecordError | null;
}

/** The task's report: the page, what was read from it, what was saved, and the attempt's wall time. */
export function pageReport(page: FetchedPage, content: PageContent, saved: SaveOutcome | undefined, ms: number): PageReport {
  const error = content.error ?? saved?.error ?? null;
  const { fields } = content;
  const report: PageReport = {
    finalUrl: page.finalUrl === null ? null : publicUrl(page.finalUrl),
    ok: error === null,
    status: page.status,
    contentType: page.contentType,
    bytes: page.bytes,
    title: fields.title,
    description: fields.description,
    ms,
    error,
  };
  if (fields.data) report.data = fields.data;
  if (fields.links) report.links = fields.links;
  if (saved) report.savedAs = saved.savedAs;
  return report;
}
