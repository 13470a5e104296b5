/** Errors with a stable `code`, and their plain-data form for crossing thread and process boundaries. */

export class FanoutError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FanoutError';
    this.code = code;
  }
}

/** What an error becomes on the wire and in result records: structured-clone and JSON safe. */
export interface SerializedError {
  name: string;
  code: string;
  message: string;
}

export function serializeError(err: unknown, fallbackCode = 'TASK_FAILED'): SerializedError {
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; code?: unknown; message?: unknown };
    return {
      name: typeof e.name === 'string' ? e.name : 'Error',
      code: typeof e.code === 'string' && e.code ? e.code : fallbackCode,
      message: typeof e.message === 'string' ? e.message : String(err),
    };
  }
  return { name: 'Error', code: fallbackCode, message: String(err) };
}

export function deserializeError(data: SerializedError): FanoutError {
  const err = new FanoutError(data.code, data.message);
  err.name = data.name;
  return err;
}

/**
 * Thrown by a task to ask the coordinator to run the item again later. The slot is released while it waits;
 * `pauseKey` also holds back every other item with the same key (a 429 means "slow down for this host").
 */
export class RetryLater extends Error {
  readonly delayMs: number;
  readonly pauseKey: boolean;
  constructor(delayMs: number, options: { pauseKey?: boolean; reason?: string } = {}) {
    super(options.reason ?? `retry in ${delayMs} ms`);
    this.name = 'RetryLater';
    this.delayMs = Math.max(0, delayMs);
    this.pauseKey = options.pauseKey ?? false;
  }
}

export function isRetryLater(err: unknown): err is RetryLater {
  // Checked by name too: a task module loaded from another copy of fanout has its own class.
  return err instanceof RetryLater || (err instanceof Error && err.name === 'RetryLater' && 'delayMs' in err);
}
