/**
 * --save: the relative path a URL's body is written to, derived from the URL alone so every worker (thread or
 * process) picks the same one, and built so it can never leave the save folder:
 *
 *   http://Example.com:8080/a/b/page.html?x=1  ->  example.com_8080/a/b/page_<hash8 of "?x=1">.html
 *   https://example.com/docs/                  ->  example.com/docs/index.html
 *
 * - Segments are the URL's own percent-encoded path segments. The WHATWG parser has already resolved "." and
 *   "..", including their encoded forms ("%2e%2e"), and never leaves "/", "\" or NUL raw inside a segment, so
 *   an encoded "%2F" stays the three characters "%2F": a name, never a separator. A segment made only of dots is
 *   still escaped, as a second line of defence. Keeping segments encoded also keeps the mapping one-to-one.
 * - A directory-like path (ending in "/") is saved as index.html; an empty segment ("a//b") becomes "_".
 * - The query string is folded into the file name as a short hash, so "?page=1" and "?page=2" differ.
 * - Segments over 200 bytes are cut to 180 and given a hash suffix (NAME_MAX is 255; room is left for the
 *   temp-file suffix); a path over 1024 bytes becomes <host>/_long/<hash16><ext>.
 * - On Windows, characters it forbids in names are percent-encoded.
 * Known, documented merges: http and https of the same host and path share a file, as do "/dir/" and
 * "/dir/index.html". Collisions inside one run (and file/directory clashes on disk) are resolved by save.ts.
 */
import { createHash } from 'node:crypto';

const MAX_SEGMENT = 200;
const CUT_SEGMENT = 180;
const MAX_PATH = 1024;
const MAX_EXT = 10;

export function shortHash(text: string, length = 8): string {
  return createHash('sha1').update(text).digest('hex').slice(0, length);
}

/** "name.ext" -> ["name", ".ext"]; an extension is a final dot-part of 1..10 characters, not a leading dot. */
export function splitExt(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || name.length - dot > MAX_EXT + 1 || dot === name.length - 1) return [name, ''];
  return [name.slice(0, dot), name.slice(dot)];
}

const WINDOWS_FORBIDDEN = /[<>:"|?*\\\x00-\x1f]/g;

function safeSegment(segment: string, isLast: boolean): string {
  let s = segment === '' ? '_' : segment;
  if (/^\.+$/.test(s)) s = s.replace(/\./g, '%2E');
  s = s.replace(/[/\x00]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
  if (process.platform === 'win32') {
    s = s.replace(WINDOWS_FORBIDDEN, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
  }
  if (Buffer.byteLength(s) > MAX_SEGMENT) {
    const [stem, ext] = isLast ? splitExt(s) : [s, ''];
    s = `${cutBytes(stem, CUT_SEGMENT)}_${shortHash(segment)}${ext}`;
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

/** The host directory: lower-case host (IPv6 without brackets), plus "_port" for a non-default port. */
export function hostDir(url: URL): string {
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/:/g, '-');
  return safeSegment(url.port ? `${host}_${url.port}` : host, false);
}

/** Adds `_suffix` to a file name before its extension. */
export function withSuffix(name: string, suffix: string): string {
  const [stem, ext] = splitExt(name);
  return `${stem}_${suffix}${ext}`;
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
  return `${hostDir(url)}/_long/${shortHash(url.href, 16)}${ext}`;
}

/** True when `rel` is a plain relative path that stays inside its folder (checked again before writing). */
export function isContained(rel: string): boolean {
  if (rel === '' || rel.startsWith('/') || rel.includes('\\') || rel.includes('\0')) return false;
  return rel.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}
