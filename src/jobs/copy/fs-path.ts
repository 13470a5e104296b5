/**
 * Names that are not valid UTF-8 (Latin-1 archives, old Windows shares). Node decodes such a name lossily, every
 * bad byte becoming U+FFFD, and a string path is always encoded as UTF-8: the file could not be opened by the
 * name readdir gave (it was reported VANISHED and left out). So the walk reads such a directory again as bytes
 * and keeps each byte that is not part of valid UTF-8 as a lone surrogate U+DC80 + byte (Python's
 * "surrogateescape"): the name stays a string (sorted, filtered, sent to workers, logged: JSON writes it as
 * `\udcNN`), and `fsPath` turns a path holding one back into the exact bytes for the fs call. Valid UTF-8 never
 * decodes to a lone surrogate, so the escape is unambiguous.
 */

/** A path for an fs call: a string, or a Buffer of the exact bytes when the name was not valid UTF-8. */
export type FsPath = string | Buffer;

// A low surrogate in U+DC80-U+DCFF that is not the second half of a pair.
const ESCAPED = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/;

export function hasEscapes(s: string): boolean {
  return ESCAPED.test(s);
}

/** The path as given, or its exact bytes when it holds escaped bytes. */
export function fsPath(p: string): FsPath {
  if (!ESCAPED.test(p)) return p;
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c < 0xdc80 || c > 0xdcff || (i > 0 && isHigh(p.charCodeAt(i - 1)))) continue;
    parts.push(Buffer.from(p.slice(from, i)), Buffer.of(c - 0xdc00));
    from = i + 1;
  }
  parts.push(Buffer.from(p.slice(from)));
  return Buffer.concat(parts);
}

/** A name read as bytes: its valid UTF-8 decoded, every other byte escaped. */
export function decodeName(b: Buffer): string {
  const s = b.toString('utf8');
  if (!s.includes('\uFFFD') || (Buffer.byteLength(s) === b.length && Buffer.from(s).equals(b))) return s;
  let out = '';
  for (let i = 0; i < b.length; ) {
    const n = validSequence(b, i);
    if (n > 0) {
      out += b.toString('utf8', i, i + n);
      i += n;
    } else out += String.fromCharCode(0xdc00 + b[i++]);
  }
  return out;
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** Length of the well-formed UTF-8 sequence at `i` (RFC 3629: no overlongs, no surrogates), or 0. */
function validSequence(b: Buffer, i: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) n = 2;
  else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c === 0xe0) lo = 0xa0;
    if (c === 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c === 0xf0) lo = 0x90;
    if (c === 0xf4) hi = 0x8f;
  } else return 0;
  if (i + n > b.length) return 0;
  if (b[i + 1] < lo || b[i + 1] > hi) return 0;
  for (let k = 2; k < n; k++) if (b[i + k] < 0x80 || b[i + k] > 0xbf) return 0;
  return n;
}
