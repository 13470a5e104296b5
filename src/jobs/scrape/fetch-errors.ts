/**
 * Transport errors (Node, undici, zlib, our own) to the record's stable error codes, and messages a person can
 * read: a timeout says which limit ran out, a TLS failure says what was wrong with whom. Always one line.
 */
import type { ScrapeRecordCode } from './errors.js';

export interface RecordError {
  code: ScrapeRecordCode;
  message: string;
}

const BY_CODE: Record<string, ScrapeRecordCode> = {
  ENOTFOUND: 'DNS',
  EAI_AGAIN: 'DNS',
  EAI_FAIL: 'DNS',
  EAI_NONAME: 'DNS',
  EAI_NODATA: 'DNS',
  ECONNREFUSED: 'CONNECTION_REFUSED',
  ECONNRESET: 'CONNECTION_RESET',
  EPIPE: 'CONNECTION_RESET',
  UND_ERR_SOCKET: 'CONNECTION_RESET', // "other side closed", mid-headers or mid-body
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'CONNECTION_RESET',
  ETIMEDOUT: 'TIMEOUT',
  UND_ERR_CONNECT_TIMEOUT: 'TIMEOUT',
  UND_ERR_HEADERS_TIMEOUT: 'TIMEOUT',
  UND_ERR_BODY_TIMEOUT: 'TIMEOUT',
  EPROTO: 'TLS',
  BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  DECODE: 'DECODE',
  TIMEOUT: 'TIMEOUT',
  INVALID_URL: 'INVALID_URL',
  TOO_MANY_REDIRECTS: 'TOO_MANY_REDIRECTS',
};

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_OSSL_)/;

/** The first `code` along the error's cause chain (undici wraps the socket's error). */
function codesOf(err: unknown): string[] {
  const codes: string[] = [];
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}

/** One line: OpenSSL's strings end in a newline, some messages span several. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return oneLine(String(err));
  const cause = err.cause instanceof Error && err.cause.message !== err.message ? `: ${err.cause.message}` : '';
  return oneLine((err.message || err.name) + cause);
}

/** What the caller knows about the attempt, for words that name the server and the limit that ran out. */
export interface ErrorContext {
  /** host[:port] of the hop that failed. */
  host?: string;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** The failing hop's headers had come: a connection lost now cuts a body short. */
  inBody?: boolean;
}

/** The first error along the cause chain carrying `code`, for its other fields (reason, cert). */
function withCode(err: unknown, code: string): Record<string, unknown> {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === code) return e as Record<string, unknown>;
  }
  return {};
}

/** A timeout in words: which limit ran out, and the option that sets it. */
function timeoutMessage(code: string, err: unknown, ctx: ErrorContext): string {
  const at = ctx.host ? ` ${ctx.host}` : '';
  const ms = (n: number | undefined) => (n === undefined ? '' : ` within ${n} ms`);
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `could not connect to${at || ' the server'}${ms(ctx.connectTimeoutMs)} (--connect-timeout)`;
    case 'ETIMEDOUT':
      return `could not connect to${at || ' the server'}: the connection attempt timed out (ETIMEDOUT)`;
    case 'UND_ERR_HEADERS_TIMEOUT':
      return `no response headers from${at || ' the server'}${ms(ctx.idleTimeoutMs)} (--idle-timeout)`;
    case 'UND_ERR_BODY_TIMEOUT':
      return `the body from${at || ' the server'} stalled: no data for ${ctx.idleTimeoutMs ?? '?'} ms (--idle-timeout)`;
    default:
      return messageOf(err); // fanout's own TIMEOUT (the whole attempt) already says which limit
  }
}

const CERT_WORDS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'has expired',
  CERT_NOT_YET_VALID: 'is not valid yet',
  CERT_REVOKED: 'has been revoked',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'is self-signed, not issued by a trusted authority',
  SELF_SIGNED_CERT_IN_CHAIN: 'chains up to a self-signed root that is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'is issued by an authority that is not trusted (or the server leaves out its intermediate certificates)',
  UNABLE_TO_GET_ISSUER_CERT: 'is issued by an authority that is not trusted (or the server leaves out its intermediate certificates)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'is issued by an authority that is not trusted (or the server leaves out its intermediate certificates)',
  CERT_SIGNATURE_FAILURE: 'has a signature that does not verify',
  CERT_UNTRUSTED: 'is not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'is not valid for this name',
};

/** Certificates that no authority the run trusts vouches for: the user may know this one. */
const UNTRUSTED = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED']);
const TRUST_HINT = '; to trust it, give --cacert FILE (its authority, or the certificate itself), or -k to check no certificate';

/** Seen when the other side answers a TLS ClientHello in plain text: it is no TLS server. */
const NOT_TLS = /wrong version number|packet length too long|http request|unknown protocol/i;

/** A TLS failure in words, naming the server; the OpenSSL or Node code stays at the end for searching. */
function tlsMessage(code: string, err: unknown, ctx: ErrorContext): string {
  const who = ctx.host ?? 'the server';
  const detail = withCode(err, code);
  const reason = typeof detail.reason === 'string' ? detail.reason : '';
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || NOT_TLS.test(reason) || NOT_TLS.test(messageOf(err))) {
    return `TLS handshake failed: the server at ${who} does not speak TLS (plain HTTP? try http://)`;
  }
  const words = CERT_WORDS[code];
  if (words) {
    const names = code === 'ERR_TLS_CERT_ALTNAME_INVALID' && typeof (detail.cert as { subjectaltname?: unknown })?.subjectaltname === 'string'
      ? `: it names ${(detail.cert as { subjectaltname: string }).subjectaltname}`
      : '';
    return `the TLS certificate of ${who} ${words}${names} (${code})${UNTRUSTED.has(code) ? TRUST_HINT : ''}`;
  }
  return `TLS with ${who} failed: ${messageOf(err)}`;
}

/** A lost connection in words: before any answer, or mid-body (the page is incomplete, so not kept). */
function closedMessage(err: unknown, ctx: ErrorContext): string {
  const who = ctx.host ?? 'the server';
  const when = ctx.inBody ? 'in the middle of the body: the answer is incomplete' : 'before it answered';
  return `the connection to ${who} was closed ${when} (${messageOf(err)})`;
}

export function classifyError(err: unknown, ctx: ErrorContext = {}): RecordError {
  const codes = codesOf(err);
  for (const c of codes) {
    const mapped = BY_CODE[c];
    if (mapped === 'TIMEOUT') return { code: mapped, message: timeoutMessage(c, err, ctx) };
    if (mapped === 'TLS' || (!mapped && TLS_CODE.test(c))) return { code: 'TLS', message: tlsMessage(c, err, ctx) };
    if (mapped === 'CONNECTION_RESET') return { code: mapped, message: closedMessage(err, ctx) };
    if (mapped) return { code: mapped, message: messageOf(err) };
  }
  return { code: 'NETWORK', message: messageOf(err) };
}
