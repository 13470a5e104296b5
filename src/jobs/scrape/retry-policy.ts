/** Which failures are worth another attempt, how long to wait first, and how to read Retry-After. */
import type { ScrapeRecordCode } from './errors.js';

/** Statuses that usually mean "try again later" rather than "this URL is wrong". */
const RETRY_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * Transport failures worth retrying. DNS is left out (a name that does not resolve rarely starts to within
 * seconds), and so are TLS, redirect, size and decode failures, which repeat identically.
 */
const RETRY_ERRORS = new Set<ScrapeRecordCode>(['TIMEOUT', 'CONNECTION_RESET', 'CONNECTION_REFUSED', 'NETWORK']);

export function isRetryableStatus(status: number): boolean {
  return RETRY_STATUSES.has(status);
}

export function isRetryableError(code: ScrapeRecordCode): boolean {
  return RETRY_ERRORS.has(code);
}

/**
 * A 429 always means "slow down for this host"; a 503 does only when it says when to come back. Either way
 * the coordinator then holds back the whole origin, not just this URL.
 */
export function pausesHost(status: number, retryAfterMs: number | null): boolean {
  return status === 429 || (status === 503 && retryAfterMs !== null);
}

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so retries of many URLs that
 * failed together spread out without any of them retrying immediately. `attempt` is the attempt that failed
 * (1 for the first).
 */
export function backoffDelay(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const full = baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 20);
  return Math.round(full / 2 + random() * (full / 2));
}

/**
 * Retry-After in ms: delta-seconds or an HTTP date (RFC 9110 10.2.3). Null when absent or unreadable; a date
 * in the past is 0. Not capped here.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | null {
  if (Array.isArray(value)) value = value[0];
  if (value === undefined) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!/[a-z]/i.test(v)) return null; // "1.5", "-3": neither form
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}
