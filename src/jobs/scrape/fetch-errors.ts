/** Transport errors (Node, undici, zlib, our own) to the record's stable error codes. */
import type { ScrapeErrorCode } from './record.js';

export interface RecordError {
  code: ScrapeErrorCode;
  message: string;
}

const BY_CODE: Record<string, ScrapeErrorCode> = {
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

function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error && err.cause.message !== err.message ? `: ${err.cause.message}` : '';
  return (err.message || err.name) + cause;
}

export function classifyError(err: unknown): RecordError {
  const codes = codesOf(err);
  for (const c of codes) {
    const mapped = BY_CODE[c];
    if (mapped) return { code: mapped, message: messageOf(err) };
    if (TLS_CODE.test(c)) return { code: 'TLS', message: messageOf(err) };
  }
  return { code: 'NETWORK', message: messageOf(err) };
}
