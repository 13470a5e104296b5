/**
 * The record of a URL that was fetched: a non-2xx answer becomes HTTP_STATUS, and an HTML body gives its fields.
 * One builder for the scrape task and the parse-only benchmark task, so both write the same record.
 */
import { decodeBody } from './charset.js';
import { emptyExtract, extract, isHtml, type ExtractOptions } from './extract.js';
import type { RecordError } from './fetch-errors.js';
import { pageError } from './page-depth.js';
import type { ScrapeRecord } from './record.js';

export interface FetchedPage {
  index: number;
  url: string;
  finalUrl: string | null;
  status: number | null;
  contentType: string | null;
  bytes: number;
  /** The decompressed body, or null when none was read. */
  body: Buffer | null;
  error: RecordError | null;
  attempts: number;
  ms: number;
}

export function pageRecord(page: FetchedPage, extractOptions: ExtractOptions): ScrapeRecord {
  const { status, body, finalUrl } = page;
  let error = page.error;
  if (!error && status !== null && (status < 200 || status > 299)) error = { code: 'HTTP_STATUS', message: `HTTP ${status}` };
  let fields = emptyExtract(extractOptions);
  if (body && finalUrl && isHtml(page.contentType, body)) {
    try {
      fields = extract(decodeBody(body, page.contentType), finalUrl, extractOptions);
    } catch (err) {
      // A page too deep to read is that page's failure; the answer's status and size still go in the record.
      const tooDeep = pageError(err);
      if (!tooDeep) throw err;
      error ??= tooDeep;
    }
  }
  const record: ScrapeRecord = {
    index: page.index,
    url: page.url,
    finalUrl,
    ok: error === null,
    status,
    contentType: page.contentType,
    bytes: page.bytes,
    title: fields.title,
    description: fields.description,
    attempts: page.attempts,
    ms: page.ms,
    error,
  };
  if (fields.data) record.data = fields.data;
  if (fields.links) record.links = fields.links;
  return record;
}
