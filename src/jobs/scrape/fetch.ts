/**
 * One attempt at one URL on undici's `request` API (about 3x the throughput of `fetch`): redirects followed by
 * hand (a limit, loop detection, relative Locations), a whole-attempt timeout on top of undici's connect and
 * idle timeouts (so a server trickling a byte at a time is still cut off), and the body read through
 * readBody's decompression and size limit. Every failure comes back as a classified `error`; only
 * cancellation through `signal` throws.
 */
import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { FanoutError } from '../../engine/errors.js';
import { classifyError, type RecordError } from './fetch-errors.js';
import { bodyTooLarge, contentCodings, discard, readBody } from './read-body.js';
import { publicUrl } from './public-url.js';

export interface FetchOptions {
  /** The whole attempt, redirects and body included (ms). */
  timeoutMs: number;
  /** Waiting for headers, or between two body chunks (ms). */
  idleTimeoutMs: number;
  /** The agent's connect timeout (ms), only to say it in a TIMEOUT message: the agent enforces it. */
  connectTimeoutMs?: number;
  maxRedirects: number;
  /** Decompressed body limit. */
  maxBytes: number;
  /** Request headers (lower-case names), sent on every hop; credentials are dropped on a cross-origin hop. */
  headers: Record<string, string>;
  /** Request method. Default: GET. */
  method?: string;
  /** Request body, sent on every hop that keeps the method. Default: none. */
  body?: string | Uint8Array | null;
  /** Whether to read the body of a final answer with this status; when false it is discarded unread. */
  readBodyOf?: (status: number) => boolean;
  /** The attempt's cookies: a Cookie header for each hop, and each hop's Set-Cookie. Default: none kept. */
  cookies?: HopCookies;
}

/** What fetchPage asks of a cookie jar, hop by hop. */
export interface HopCookies {
  /** The Cookie header for a request to this URL ('' for none). */
  header(url: string): string;
  /** An answer from this URL set these cookies. */
  take(url: string, setCookie: string | string[] | undefined): void;
}

export interface FetchResult {
  /**
   * The last URL that answered: the final answer's, or the last redirect's when a later hop failed (with its
   * 3xx in `status`); null when no answer came.
   */
  finalUrl: string | null;
  status: number | null;
  headers: IncomingHttpHeaders | null;
  contentType: string | null;
  /** Decompressed body; null when not read (error, or readBodyOf said no). */
  body: Buffer | null;
  /** Decompressed bytes read. */
  bytes: number;
  error: RecordError | null;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * What undici is given as `signal`: it accepts an EventEmitter with 'abort' (and reads `reason`), which costs a
 * fraction of an AbortController per attempt, and one is needed per attempt for the whole-attempt timeout.
 */
class AttemptSignal extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;
  timedOut = false;
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}

/** Parses an absolute http(s) URL, or explains why it is not one. */
export function parseHttpUrl(input: string): URL | RecordError {
  let u: URL;
  try {
    u = new URL(input);
  } catch {
    return { code: 'INVALID_URL', message: `not a URL: ${JSON.stringify(publicUrl(input).slice(0, 200))}` };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return { code: 'INVALID_URL', message: `not an http(s) URL: ${JSON.stringify(publicUrl(input).slice(0, 200))}` };
  }
  return u;
}

function headerValue(v: string | string[] | undefined): string | null {
  if (v === undefined) return null;
  return Array.isArray(v) ? (v[0] ?? null) : v;
}

function headersFor(url: URL, base: Record<string, string>, sameOrigin: boolean): Record<string, string> {
  let headers = base;
  if (!sameOrigin) {
    headers = { ...base };
    for (const name of CREDENTIAL_HEADERS) delete headers[name];
  }
  // As curl: -u and -H Authorization (already in `headers` for this origin) win over the URL's own userinfo.
  if ((url.username || url.password) && headers.authorization === undefined) {
    const user = percentDecoded(url.username);
    const pass = percentDecoded(url.password);
    headers = { ...headers, authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
  }
  return headers;
}

/** The jar's cookies for this hop after any -b/-H Cookie, which stays first. */
function withCookies(headers: Record<string, string>, url: URL, cookies: HopCookies | undefined): Record<string, string> {
  if (!cookies) return headers;
  const jar = cookies.header(url.href);
  if (!jar) return headers;
  return { ...headers, cookie: headers.cookie ? `${headers.cookie}; ${jar}` : jar };
}

/** A userinfo part as typed: a stray `%` (which the parser keeps) is sent as it is rather than failing the URL. */
function percentDecoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** As browsers (the Fetch standard) redirect: 303 to GET, and 301/302 turn a POST into a GET; 307/308 keep both. */
function becomesGet(status: number, method: string): boolean {
  return (status === 303 && method !== 'GET' && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST');
}

function withoutBodyHeaders(headers: Record<string, string>): Record<string, string> {
  const rest = { ...headers };
  delete rest['content-type'];
  delete rest['content-length'];
  return rest;
}

export async function fetchPage(url: string, options: FetchOptions, agent: Dispatcher, signal?: AbortSignal): Promise<FetchResult> {
  const result: FetchResult = { finalUrl: null, status: null, headers: null, contentType: null, body: null, bytes: 0, error: null };
  const parsed = parseHttpUrl(url);
  if (!(parsed instanceof URL)) return { ...result, error: parsed };
  signal?.throwIfAborted();

  const attempt = new AttemptSignal();
  const timeoutError = () => new FanoutError('TIMEOUT', `no complete answer within ${options.timeoutMs} ms (--timeout)`);
  const timer = setTimeout(() => {
    attempt.timedOut = true;
    attempt.abort(timeoutError());
  }, options.timeoutMs);
  const cancel = () => attempt.abort(signal!.reason);
  signal?.addEventListener('abort', cancel, { once: true });
  let current = parsed;
  let inBody = false;
  let method = options.method ?? 'GET';
  let requestBody = options.body ?? null;
  let headers = options.headers;
  try {
    const firstOrigin = parsed.origin;
    const seen = new Set<string>([parsed.hash ? parsed.href.slice(0, -parsed.hash.length) : parsed.href]);
    for (let hop = 0; ; hop++) {
      inBody = false;
      const res = await agent.request({
        origin: current.origin,
        path: current.pathname + current.search,
        method,
        body: requestBody,
        headers: withCookies(headersFor(current, headers, current.origin === firstOrigin), current, options.cookies),
        signal: attempt,
        headersTimeout: options.idleTimeoutMs,
        bodyTimeout: options.idleTimeoutMs,
      });
      inBody = true;
      options.cookies?.take(current.href, res.headers['set-cookie']);
      result.finalUrl = current.href;
      result.status = res.statusCode;
      result.headers = res.headers;
      result.contentType = headerValue(res.headers['content-type']);

      const location = headerValue(res.headers.location);
      if (REDIRECTS.has(res.statusCode) && location !== null) {
        await res.body.dump().catch(() => {});
        if (hop >= options.maxRedirects) {
          result.error = { code: 'TOO_MANY_REDIRECTS', message: `more than ${options.maxRedirects} redirects (--max-redirects)` };
          return result;
        }
        let next: URL;
        try {
          next = new URL(location, current);
        } catch {
          result.error = { code: 'INVALID_URL', message: `redirect to an invalid URL: ${JSON.stringify(publicUrl(location).slice(0, 200))}` };
          return result;
        }
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          result.error = { code: 'INVALID_URL', message: `redirect to a non-http(s) URL: ${next.protocol}` };
          return result;
        }
        next.hash = '';
        if (seen.has(next.href)) {
          result.error = { code: 'TOO_MANY_REDIRECTS', message: `redirect loop back to ${publicUrl(next.href)}` };
          return result;
        }
        seen.add(next.href);
        current = next;
        if (becomesGet(res.statusCode, method)) {
          method = 'GET';
          requestBody = null;
          headers = withoutBodyHeaders(headers);
        }
        continue;
      }

      if (options.readBodyOf && !options.readBodyOf(res.statusCode)) {
        await res.body.dump().catch(() => {});
        return result;
      }
      // Refuse an identity body that announces itself too large before a byte of it is read.
      const length = Number(res.headers['content-length']);
      if (length > options.maxBytes && contentCodings(res.headers['content-encoding']).length === 0) {
        discard(res.body);
        result.error = { code: 'BODY_TOO_LARGE', message: bodyTooLarge(options.maxBytes).message };
        return result;
      }
      const read = await readBody(res.body, res.headers['content-encoding'], options.maxBytes);
      result.body = read;
      result.bytes = read.length;
      return result;
    }
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    result.error = classifyError(attempt.timedOut ? attempt.reason : err, {
      host: current.host,
      connectTimeoutMs: options.connectTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs,
      inBody,
    });
    return result;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', cancel);
  }
}
