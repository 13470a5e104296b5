/** The scrape record: one per input URL line, the stable output format (documented in the README). */
import type { ScrapeRecordCode } from './errors.js';
import { publicUrl } from './public-url.js';
import type { SerializedCookie } from 'tough-cookie';

export interface ScrapeRecord {
  /** 0-based position among the URL lines (blank and # lines are not counted). */
  index: number;
  /** The URL as given (trimmed), without its userinfo (public-url.ts). */
  url: string;
  /** The URL that answered, after redirects, without its userinfo; null when no answer came. */
  finalUrl: string | null;
  /** True for a 2xx answer after redirects, read in full. */
  ok: boolean;
  status: number | null;
  contentType: string | null;
  /** Body bytes after decompression. */
  bytes: number;
  title: string | null;
  description: string | null;
  /** Attempts made, retries included. */
  attempts: number;
  /** Wall time of the final attempt, in milliseconds. */
  ms: number;
  error: { code: ScrapeRecordCode; message: string } | null;
  /** What --select / --select-all / --attr extracted, by name (absent when none were given). */
  data?: Record<string, string | string[] | null>;
  /** With --links: absolute URLs of the page's <a href>s, in document order. */
  links?: string[];
  /** With --save: the saved body's path relative to the save folder (null when not saved). */
  savedAs?: string | null;
  /** With CSV input: the row's other fields. */
  input?: Record<string, string>;
}

/** What the coordinator sends a scrape task. */
export interface ScrapeItem {
  url: string;
  /** Set by --respect-robots on the coordinator: the task answers ROBOTS_DISALLOWED without fetching. */
  disallowed?: boolean;
  /** CSV input: the row's other fields (they fill a --data template). */
  input?: Record<string, string>;
  /** -b/--cookie-jar: the cookies of the URL's site in the run's jar as the attempt was admitted (cookie-jar.ts). */
  cookies?: SerializedCookie[];
}

/** Each redirect hop's and the final answer's Set-Cookie headers, with that answer's URL. */
export type ReceivedCookies = [url: string, setCookie: string[]][];

/** What the task sends back: the page's report and, with cookies kept, what its answers set (never written). */
export type TaskReport = PageReport & { setCookies?: ReceivedCookies };

export interface Selector {
  name: string;
  css: string;
  /** text: text of the first match; all: texts of all matches; attr: an attribute of the first match. */
  kind: 'text' | 'all' | 'attr';
  attr?: string;
}

/** Options of the scrape task, the same in every worker; every field is documented with its CLI flag. */
export interface ScrapeTaskOptions {
  /** --timeout: a whole attempt, headers and body (ms). */
  timeoutMs: number;
  /** Connecting, TLS included (ms). */
  connectTimeoutMs: number;
  /** No byte received for this long (ms). */
  idleTimeoutMs: number;
  /** --retries: extra attempts for network errors and 408, 425, 429, 500, 502, 503, 504. */
  retries: number;
  /** First backoff delay (ms); doubles each attempt, with jitter. */
  backoffMs: number;
  /** --max-retry-after: cap on a honoured Retry-After (ms). */
  maxRetryAfterMs: number;
  /** --max-redirects. */
  maxRedirects: number;
  /** --max-bytes: decompressed body limit. */
  maxBytes: number;
  /** --user-agent. */
  userAgent: string;
  /** -H 'Name: value', repeatable. */
  headers: Record<string, string>;
  selectors: Selector[];
  /** --links. */
  links: boolean;
  /** --save DIR (absolute), or null. */
  saveDir: string | null;
  /** Set by scrape(): the run's token in --save temp names, so a later run tells its temps from live ones. */
  saveRun?: string;
  /** Keep-alive sockets per origin in each worker's agent. */
  connectionsPerOrigin: number;
  /** -k/--insecure: accept any TLS certificate. Default: false. */
  insecure?: boolean;
  /** --cacert FILE's certificates (PEM), trusted besides Node's own. Default: none. */
  cacert?: string | null;
  /** -X/--method. Default: POST with `data`, else GET. */
  method?: string;
  /** --data (a template: `{{field}}` is filled from each CSV row, data-template.ts) / --data-file (bytes as they are): every request's body. Default: none. */
  data?: string | Uint8Array | null;
  /** -u 'user:password' for HTTP basic auth; sent, never written. Default: none. */
  user?: string | null;
  /** --proxy URL for every request (NO_PROXY still honoured). Default: HTTP_PROXY/HTTPS_PROXY. */
  proxy?: string | null;
  /** -b 'NAME=VALUE; N2=V2': a Cookie header for every listed URL (not a redirect's other origin). Default: none. */
  cookie?: string | null;
  /** Cookies are kept across the run (-b or --cookie-jar, as curl's cookie engine): each item carries its site's. Default: false. */
  cookies?: boolean;
}

/** What shapes every record of a run: which optional fields it carries. */
export interface RecordShape {
  selectors: readonly Selector[];
  links: boolean;
  saveDir: string | null;
}

/**
 * What a scrape task reports about one URL: what it fetched, extracted and saved, and how long its attempt took.
 * Where the URL stands in the run (index, attempts, the CSV row) is the coordinator's to add (`scrapeRecord`).
 */
export type PageReport = Omit<ScrapeRecord, 'index' | 'url' | 'attempts' | 'input'>;

/** The coordinator's part of a record: where the URL stands in the run. */
export interface RecordPlace {
  index: number;
  url: string;
  attempts: number;
  input?: Record<string, string>;
}

/** The one place a record is made: the coordinator's facts and the task's report, in the documented field order. */
export function scrapeRecord(at: RecordPlace, report: PageReport): ScrapeRecord {
  const record: ScrapeRecord = {
    index: at.index, url: publicUrl(at.url), finalUrl: report.finalUrl, ok: report.ok, status: report.status, contentType: report.contentType,
    bytes: report.bytes, title: report.title, description: report.description, attempts: at.attempts, ms: report.ms, error: report.error,
  };
  if (report.data !== undefined) record.data = report.data;
  if (report.links !== undefined) record.links = report.links;
  if (report.savedAs !== undefined) record.savedAs = report.savedAs;
  if (at.input) record.input = at.input;
  return record;
}

/**
 * The report of a URL that produced no answer: the same shape as any other (every selector name, links, savedAs).
 * `ms` is 0 when nothing timed the attempt (its worker died, or the task threw).
 */
export function failedReport(error: { code: ScrapeRecordCode; message: string }, shape: RecordShape, ms = 0): PageReport {
  const report: PageReport = {
    finalUrl: null, ok: false, status: null, contentType: null, bytes: 0, title: null, description: null, ms,
    error: { code: error.code, message: error.message },
  };
  if (shape.selectors.length) report.data = Object.fromEntries(shape.selectors.map((s) => [s.name, null]));
  if (shape.links) report.links = [];
  if (shape.saveDir !== null) report.savedAs = null;
  return report;
}
