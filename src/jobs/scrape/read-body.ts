/**
 * Reads a response body into one Buffer, decompressing gzip, deflate and br with node:zlib streams and counting
 * the DECOMPRESSED bytes: past `maxBytes` the download is aborted at once, so a gzip bomb never inflates and
 * memory stays at about maxBytes plus one zlib chunk.
 */
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createInflate, createInflateRaw } from 'node:zlib';
import { FanoutError } from '../../engine/errors.js';
import { GzipDecoder } from './gunzip.js';

const EMPTY = Buffer.alloc(0);

/** Stops a body stream; undici then emits an AbortError, which nobody needs to hear. */
export function discard(body: Readable): void {
  body.on('error', () => {});
  body.destroy();
}

export function bodyTooLarge(maxBytes: number): FanoutError {
  return new FanoutError('BODY_TOO_LARGE', `body larger than ${maxBytes} bytes (--max-bytes)`);
}

/** The codings to undo, outermost last as listed; 'identity' dropped. */
export function contentCodings(header: string | string[] | undefined): string[] {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return [];
  return value
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
}

/**
 * Strict about the end (zlib's default finish): a stream that stops before its end marker (gzip's trailer,
 * deflate's final block, brotli's last meta-block) is an error, never a partial page passed off as whole.
 * Lenient about the start: "deflate" is accepted both zlib-wrapped (RFC 1950, correct) and raw (what some
 * servers send). What follows a complete stream is ignored, as browsers ignore it (gzip: unless it is another
 * member, which is read; see GzipDecoder).
 */
function decoderFor(coding: string, first: Buffer): Transform | null {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return new GzipDecoder();
    case 'deflate':
      return (first[0] & 0x0f) === 8 ? createInflate() : createInflateRaw();
    case 'br':
      return createBrotliDecompress();
    default:
      return null;
  }
}

/** The DECODE error for a decoder's failure, in words: "cut short" is the one a user meets most. */
function decodeError(coding: string, err: Error & { code?: string }, received: number): FanoutError {
  const message =
    err.code === 'Z_BUF_ERROR'
      ? `${coding} body cut short: it ends after ${received} bytes, before its compressed stream does`
      : `cannot decode ${coding} body: ${err.message}`;
  return new FanoutError('DECODE', message, { cause: err });
}

/**
 * Resolves with the body, or rejects with BODY_TOO_LARGE, DECODE (FanoutErrors) or the stream's own error
 * (a transport failure, classified by the caller). The body is destroyed whenever reading stops early.
 */
export function readBody(body: Readable, contentEncoding: string | string[] | undefined, maxBytes: number): Promise<Buffer> {
  const codings = contentCodings(contentEncoding);
  if (codings.length > 1 || (codings.length === 1 && !['gzip', 'x-gzip', 'deflate', 'br'].includes(codings[0]))) {
    discard(body);
    return Promise.reject(new FanoutError('DECODE', `unsupported Content-Encoding: ${codings.join(', ')}`));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let received = 0; // compressed bytes, for the error message
    let settled = false;
    let decoder: Transform | null = null;

    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      decoder?.destroy();
      discard(body);
      reject(err);
    };
    const done = () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0] : chunks.length === 0 ? EMPTY : Buffer.concat(chunks, total));
    };
    /** Keeps a chunk of decoded bytes, or stops everything once the limit is passed. */
    const take = (chunk: Buffer) => {
      if (settled) return;
      total += chunk.length;
      if (total > maxBytes) return fail(bodyTooLarge(maxBytes));
      chunks.push(chunk);
    };

    body.on('error', fail);
    if (codings.length === 0) {
      body.on('data', take);
      body.on('end', done);
      return;
    }
    // A decoder is made on the first chunk: raw or wrapped deflate is told apart by its first byte.
    body.on('data', (chunk: Buffer) => {
      if (settled) return;
      received += chunk.length;
      if (!decoder) {
        decoder = decoderFor(codings[0], chunk)!;
        decoder.on('data', take);
        decoder.on('end', done);
        decoder.on('error', (err: Error) => fail(decodeError(codings[0]!, err, received)));
      }
      if (!decoder.write(chunk)) {
        body.pause();
        decoder.once('drain', () => body.resume());
      }
    });
    body.on('end', () => {
      if (decoder) decoder.end();
      else done(); // an empty body, compressed or not
    });
  });
}
