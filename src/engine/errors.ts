/**
 * The engine's stable error codes, its two error classes, and their plain-data form for crossing thread and
 * process boundaries. Both classes carry a brand (a `Symbol.for` key, the same in every copy of fanout and every
 * realm), as undici's errors do: a task module that loads its own copy of fanout throws errors of another class,
 * and `instanceof` alone would not know them.
 */

/** Codes the engine itself gives a failed item or a stopped run (docs/errors.md). */
export const ENGINE_CODES = [
  'TASK_FAILED', // the task threw an error that has no string `code` of its own
  'INVALID_ITEM', // the `key` option threw for this item
  'INVALID_OPTION', // run() was given an option it cannot use: nothing runs
  'INPUT_FAILED', // reading the items failed: the run stops
  'RETRIES_EXHAUSTED', // the task asked to run again (RetryLater) more than maxRetries times
  'WORKER_CRASHED', // the worker died under this item every time it was tried
  'TIMEOUT', // threads/procs: a run of the task outlasted taskTimeoutMs
  'RESULT_NOT_CLONEABLE', // the task's result cannot cross to the coordinator (a function, a socket)
  'BAD_TASK_MODULE', // the task module has no default export factory, or it returned no function
  'WORKER_INIT_FAILED', // the task module failed to load in a worker
  'WORKER_START_FAILED', // no worker could be started: the run stops
  'CANCELLED', // the run was cancelled while this item ran
] as const;

export type EngineErrorCode = (typeof ENGINE_CODES)[number];

const FANOUT_ERROR = Symbol.for('fanout.error');
const RETRY_LATER = Symbol.for('fanout.retry-later');

/** Marks a class's instances, once, on its prototype: not an own property, so it is never enumerated or cloned. */
function brand(cls: { prototype: object }, key: symbol): void {
  Object.defineProperty(cls.prototype, key, { value: true, enumerable: false, writable: false, configurable: false });
}

function branded(x: unknown, key: symbol): boolean {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[key] === true;
}

export class FanoutError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FanoutError';
    this.code = code;
  }

  /** `instanceof FanoutError` holds for a FanoutError of any copy of fanout (a subclass keeps the usual check). */
  static override [Symbol.hasInstance](x: unknown): boolean {
    return this === FanoutError ? isFanoutError(x) : Function.prototype[Symbol.hasInstance].call(this, x);
  }
}
brand(FanoutError, FANOUT_ERROR);

export function isFanoutError(x: unknown): x is FanoutError {
  return branded(x, FANOUT_ERROR);
}

/** What an error becomes on the wire and in result records: structured-clone and JSON safe. */
export interface SerializedError {
  name: string;
  code: string;
  message: string;
}

/** The one constructor of a SerializedError; `name` is the class the receiving side reports. */
export function serializedError(code: string, message: string, name = 'FanoutError'): SerializedError {
  return { name, code, message };
}

/** Any thrown value as a SerializedError: its own string `code` kept, `fallbackCode` otherwise. */
export function serializeError(err: unknown, fallbackCode: EngineErrorCode = 'TASK_FAILED'): SerializedError {
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; code?: unknown; message?: unknown };
    return serializedError(
      typeof e.code === 'string' && e.code ? e.code : fallbackCode,
      typeof e.message === 'string' ? e.message : String(err),
      typeof e.name === 'string' ? e.name : 'Error',
    );
  }
  return serializedError(fallbackCode, String(err), 'Error');
}

export function deserializeError(data: SerializedError): FanoutError {
  const err = new FanoutError(data.code, data.message);
  err.name = data.name;
  return err;
}

/**
 * Thrown by a task to ask the coordinator to run the item again later. The slot is released while it waits;
 * `pauseKey` also holds back every other item with the same key (a 429 means "slow down for this host").
 * `carry`: what this attempt got that must outlive it (a retried answer's cookies), handed to the run's
 * `onRetry` on the coordinator; it crosses threads, processes and Redis as a result value does.
 */
export class RetryLater extends Error {
  readonly delayMs: number;
  readonly pauseKey: boolean;
  readonly carry: unknown;
  constructor(delayMs: number, options: { pauseKey?: boolean; reason?: string; carry?: unknown } = {}) {
    super(options.reason ?? `retry in ${delayMs} ms`);
    this.name = 'RetryLater';
    this.delayMs = Math.max(0, delayMs);
    this.pauseKey = options.pauseKey ?? false;
    this.carry = options.carry;
  }
}
brand(RetryLater, RETRY_LATER);

/** True for a RetryLater of any copy of fanout (a task module may load its own). */
export function isRetryLater(err: unknown): err is RetryLater {
  return branded(err, RETRY_LATER);
}
