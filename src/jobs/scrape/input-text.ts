/**
 * The URL list's bytes as text: UTF-8 (a BOM dropped), or UTF-16 LE/BE when a BOM says so (what Windows tools and
 * `iconv -t UTF-16` write). A list that is not text (NUL bytes near its start without a UTF-16 BOM: a binary
 * file, or UTF-16 without a BOM) is refused in words instead of becoming one INVALID_URL record per garbage line.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { FanoutError } from '../../engine/errors.js';

/** How far into the list NUL bytes are looked for: a binary file shows them at once, a text list never. */
const SNIFF_BYTES = 8192;

type Encoding = 'utf8' | 'utf16le' | 'utf16be';

function bomOf(head: Buffer): { encoding: Encoding; length: number } {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf8', length: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf16le', length: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf16be', length: 2 };
  return { encoding: 'utf8', length: 0 };
}

/** Why bytes with a NUL in them are not a list, with the fix when they look like UTF-16 that lost its BOM. */
function notText(name: string, head: Buffer): FanoutError {
  let evenNuls = 0;
  let oddNuls = 0;
  const n = Math.min(head.length, SNIFF_BYTES);
  for (let i = 0; i < n; i++) if (head[i] === 0) i % 2 === 0 ? evenNuls++ : oddNuls++;
  const pairs = n >> 1;
  const utf16 = oddNuls > pairs * 0.4 && evenNuls === 0 ? 'UTF-16LE' : evenNuls > pairs * 0.4 && oddNuls === 0 ? 'UTF-16BE' : null;
  const why = utf16
    ? `it looks like ${utf16} text without a byte-order mark; convert it first: iconv -f ${utf16} -t UTF-8`
    : 'it holds NUL bytes (a binary file?)';
  return new FanoutError('INPUT_UNREADABLE', `${name} is not a text list of URLs: ${why}`);
}

/** Swaps each byte pair, carrying an odd byte over to the next chunk (UTF-16BE to LE for StringDecoder). */
function swapper(): (chunk: Buffer) => Buffer {
  let carry: number | null = null;
  return (chunk) => {
    const bytes = carry === null ? chunk : Buffer.concat([Buffer.of(carry), chunk]);
    const even = bytes.length & ~1;
    carry = even < bytes.length ? bytes[even]! : null;
    return Buffer.from(bytes.subarray(0, even)).swap16();
  };
}

/**
 * Decoded text of the stream, chunk by chunk. `name` says which list in errors (a path, or "stdin").
 * Throws INPUT_UNREADABLE when the start of the list is not text.
 */
export async function* textOf(stream: Readable, name: string): AsyncGenerator<string> {
  let head: Buffer | null = Buffer.alloc(0); // the first bytes, kept until the BOM is known
  let decoder: StringDecoder | null = null;
  let swap: ((chunk: Buffer) => Buffer) | null = null;
  let utf16 = false;
  let checked = 0; // bytes (UTF-8) or characters (UTF-16) already looked at for NUL
  const decode = (bytes: Buffer): string => {
    if (!utf16 && checked < SNIFF_BYTES) {
      const part = bytes.subarray(0, SNIFF_BYTES - checked);
      checked += part.length;
      if (part.includes(0)) throw notText(name, part);
    }
    const text = decoder!.write(swap ? swap(bytes) : bytes);
    if (utf16 && checked < SNIFF_BYTES) {
      const part = text.slice(0, SNIFF_BYTES - checked);
      checked += part.length;
      if (part.includes('\0')) throw notText(name, Buffer.alloc(0));
    }
    return text;
  };
  const start = (bytes: Buffer): string => {
    const bom = bomOf(bytes);
    utf16 = bom.encoding !== 'utf8';
    decoder = new StringDecoder(utf16 ? 'utf16le' : 'utf8');
    if (bom.encoding === 'utf16be') swap = swapper();
    return decode(bytes.subarray(bom.length));
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (head === null) {
      yield decode(chunk);
      continue;
    }
    head = Buffer.concat([head, chunk]);
    if (head.length < 3) continue; // a BOM is 2 or 3 bytes
    const bytes = head;
    head = null;
    yield start(bytes);
  }
  if (head !== null && head.length > 0) yield start(head);
  if (decoder) yield (decoder as StringDecoder).end();
}
