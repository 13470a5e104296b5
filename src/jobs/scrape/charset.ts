/**
 * Body bytes to text the way browsers pick the encoding: a byte order mark, then the Content-Type charset,
 * then a <meta charset> or <meta http-equiv="Content-Type"> in the first bytes, else UTF-8. Labels follow the
 * WHATWG Encoding standard (TextDecoder), so "iso-8859-1" decodes as windows-1252, as browsers do.
 */
import { TextDecoder } from 'node:util';

/** How far into the body a <meta> charset is looked for (the HTML standard says 1024; real pages need more). */
export const META_SCAN_BYTES = 4096;

const decoders = new Map<string, TextDecoder | null>();

/** A decoder for a WHATWG label, or null for a label TextDecoder does not know. Cached: decode() is stateless. */
function decoderFor(label: string): TextDecoder | null {
  const key = label.toLowerCase();
  let d = decoders.get(key);
  if (d === undefined) {
    try {
      d = new TextDecoder(key);
    } catch {
      d = null;
    }
    decoders.set(key, d);
  }
  return d;
}

/** The charset parameter of a Content-Type value, unquoted, or null. */
export function charsetParam(contentType: string | null | undefined): string | null {
  if (!contentType) return null;
  const m = /;\s*charset\s*=\s*("?)([^";,\s]+)\1/i.exec(contentType);
  return m ? m[2] : null;
}

/** The charset a <meta> tag in the first META_SCAN_BYTES declares, or null. */
export function metaCharset(buf: Uint8Array): string | null {
  const head = Buffer.from(buf.buffer, buf.byteOffset, Math.min(buf.length, META_SCAN_BYTES));
  if (head.indexOf('charset') === -1 && head.indexOf('CHARSET') === -1 && head.indexOf('Charset') === -1) return null;
  const m = /<meta\s[^>]*?charset\s*=\s*["']?\s*([\w.:+-]+)/i.exec(head.toString('latin1'));
  return m ? m[1] : null;
}

export interface Sniffed {
  /** The TextDecoder encoding name, e.g. "utf-8", "windows-1252". */
  encoding: string;
  /** Where it came from. */
  source: 'bom' | 'header' | 'meta' | 'default';
  /** Bytes of BOM to skip. */
  bomLength: number;
}

export function sniffEncoding(buf: Uint8Array, contentType: string | null | undefined): Sniffed {
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return { encoding: 'utf-8', source: 'bom', bomLength: 3 };
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return { encoding: 'utf-16le', source: 'bom', bomLength: 2 };
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return { encoding: 'utf-16be', source: 'bom', bomLength: 2 };
  const header = charsetParam(contentType);
  const fromHeader = header ? decoderFor(header) : null;
  if (fromHeader) return { encoding: fromHeader.encoding, source: 'header', bomLength: 0 };
  const meta = metaCharset(buf);
  const fromMeta = meta ? decoderFor(meta) : null;
  if (fromMeta) {
    // A <meta> can only be read because the bytes are ASCII-compatible, so it cannot really mean UTF-16.
    const encoding = fromMeta.encoding.startsWith('utf-16') ? 'utf-8' : fromMeta.encoding;
    return { encoding, source: 'meta', bomLength: 0 };
  }
  return { encoding: 'utf-8', source: 'default', bomLength: 0 };
}

/** windows-1252 bytes 0x80..0x9F (the rest is Latin-1). */
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/**
 * Node 20's TextDecoder decodes "windows-1252" (the label "iso-8859-1" and "ascii" map to) as plain Latin-1,
 * turning "€" (0x80) or curly quotes into C1 control characters; browsers use the windows-1252 table.
 */
function decodeWindows1252(buf: Buffer): string {
  const latin1 = buf.toString('latin1');
  return /[\x80-\x9f]/.test(latin1) ? latin1.replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]) : latin1;
}

/** Decodes a body to text (invalid sequences become U+FFFD, as in browsers). */
export function decodeBody(buf: Buffer, contentType: string | null | undefined): string {
  const { encoding, bomLength } = sniffEncoding(buf, contentType);
  if (encoding === 'utf-8') return buf.toString('utf8', bomLength);
  if (encoding === 'windows-1252') return decodeWindows1252(buf);
  return decoderFor(encoding)!.decode(buf.subarray(bomLength));
}
