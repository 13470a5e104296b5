/**
 * --save: the relative path a URL's body is written to, derived from the URL alone so every worker (thread or
 * process) picks the same one, and built so it can never leave the save folder:
 *
 *   http://Example.com:8080/a/b/page.html?x=1  ->  example.com#8080/a/b/page#<hash8 of "?x=1">.html
 *   https://example.com/docs/                  ->  example.com/docs/index.html
 *
 * One-to-one where it cheaply can be: a URL's host and path never hold a raw "#" (the WHATWG parser encodes it,
 * and "#" starts the fragment), so every name part made up here holds one and none can equal a name taken from
 * a URL: "#<port>" after the host, "#<hash8>" for a query or for a segment cut to length, "#" for an empty
 * segment ("a//b" -> "a/#/b"), "#long" for the folder of over-long paths. Merges that remain (http and https of
 * one host and path, "/dir/" and "/dir/index.html", hash collisions, a file and a folder of one name) are
 * resolved on disk by save.ts: a name taken is never replaced, the next free one is used.
 * - Segments are the URL's own percent-encoded path segments. The WHATWG parser has already resolved "." and
 *   "..", including their encoded forms ("%2e%2e"), and never leaves "/", "\" or NUL raw inside a segment, so
 *   an encoded "%2F" stays the three characters "%2F": a name, never a separator. "." and ".." are escaped
 *   anyway, as a second line of defence; "..." is an ordinary name.
 * - A directory-like path (ending in "/") is saved as index.html.
 * - Segments over 200 bytes are cut to 180 and given a hash suffix (NAME_MAX is 255; room is left for the
 *   "~N" suffix of a taken name); a path over 1024 bytes becomes <host>/#long/<hash16><ext>.
 * - On Windows, characters it forbids in names are written as "#XX" (their hex code).
 */

const MAX_SEGMENT = 200;
const CUT_SEGMENT = 180;
const MAX_PATH = 1024;
const MAX_EXT = 10;

export function shortHash(text: string, length = 8): string {
  return process.getBuiltinModule('node:crypto').createHash('sha1').update(text).digest('hex').slice(0, length);
}

/** "name.ext" -> ["name", ".ext"]; an extension is a final dot-part of 1..10 characters, not a leading dot. */
export function splitExt(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || name.length - dot > MAX_EXT + 1 || dot === name.length - 1) return [name, ''];
  return [name.slice(0, dot), name.slice(dot)];
}

const WINDOWS_FORBIDDEN = /[<>:"|?*\\\x00-\x1f]/g;

/** The mark of a made-up name part: a URL's host and path never hold it raw. */
export const MARK = '#';

const hex = (c: string) => `${MARK}${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`;

function safeSegment(segment: string, isLast: boolean): string {
  if (segment === '') return MARK;
  if (segment === '.' || segment === '..') return `${MARK}${segment}`;
  let s = segment.replace(/[/\x00#]/g, hex);
  if (process.platform === 'win32') s = s.replace(WINDOWS_FORBIDDEN, hex);
  if (Buffer.byteLength(s) > MAX_SEGMENT) {
    const [stem, ext] = isLast ? splitExt(s) : [s, ''];
    s = `${cutBytes(stem, CUT_SEGMENT)}${MARK}${shortHash(segment)}${ext}`;
  }
  return s;
}

/** The longest prefix of `text` that fits in `bytes` UTF-8 bytes, cut on a character boundary. */
function cutBytes(text: string, bytes: number): string {
  const buf = Buffer.from(text);
  if (buf.length <= bytes) return text;
  let end = bytes;
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--; // never split a multi-byte character
  return buf.subarray(0, end).toString();
}

/** The host directory: lower-case host (IPv6 in brackets, ":" as "-"), plus "#port" for a non-default port. */
export function hostDir(url: URL): string {
  const host = safeSegment(url.hostname.replace(/:/g, '-'), false);
  return url.port ? `${host}${MARK}${url.port}` : host;
}

/** Adds `<sep><suffix>` to a file name before its extension. */
export function withSuffix(name: string, suffix: string, sep = MARK): string {
  const [stem, ext] = splitExt(name);
  return `${stem}${sep}${suffix}${ext}`;
}

/** The path (with "/" separators) under the save folder for `url`. Throws on a non-http(s) or unparsable URL. */
export function savePath(input: string | URL): string {
  const url = typeof input === 'string' ? new URL(input) : input;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`not an http(s) URL: ${url.href}`);
  const segments = url.pathname.split('/').slice(1); // pathname always starts with "/"
  const last = segments.pop() ?? '';
  const dirs = segments.map((s) => safeSegment(s, false));
  let file = last === '' ? 'index.html' : safeSegment(last, true);
  if (url.search) file = withSuffix(file, shortHash(url.search));
  const rel = [hostDir(url), ...dirs, file].join('/');
  if (Buffer.byteLength(rel) <= MAX_PATH) return rel;
  const [, ext] = splitExt(file);
  return `${hostDir(url)}/${MARK}long/${shortHash(url.href, 16)}${ext}`;
}

/** True when `rel` is a plain relative path that stays inside its folder (checked again before writing). */
export function isContained(rel: string): boolean {
  if (rel === '' || rel.startsWith('/') || rel.includes('\\') || rel.includes('\0')) return false;
  return rel.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}
