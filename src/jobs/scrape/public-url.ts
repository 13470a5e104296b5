/**
 * The one rule for every URL fanout writes (records' url, finalUrl and links, error messages, --save paths,
 * what a worker sends back): no userinfo. A URL's own `user:password@` is sent as basic auth, never written.
 */

/** A scheme, then slashes: `http://`, `HTTP:\\`, and `http:` alone (the WHATWG parser reads `http:u:p@h` as `http://u:p@h`). */
const AUTHORITY = /^([A-Za-z][A-Za-z0-9+.-]*:)([/\\]*)([^/\\?#]*)/;
const SPECIAL = /^(https?|wss?|ftp|file):$/i;

/**
 * The URL without its userinfo, otherwise as given (not normalised: a record's `url` is the line as written).
 * Works on text that is not a valid URL too (an INVALID_URL line is written as given, minus its userinfo).
 */
export function publicUrl(url: string): string {
  if (!url.includes('@')) return url;
  const m = AUTHORITY.exec(url.trimStart());
  if (!m) return url;
  const [, scheme, slashes, authority] = m;
  const at = authority!.lastIndexOf('@');
  if (at < 0 || (slashes!.length < 2 && !SPECIAL.test(scheme!))) return checked(url);
  const lead = url.length - url.trimStart().length;
  const start = lead + scheme!.length + slashes!.length;
  return checked(url.slice(0, start) + url.slice(start + at + 1));
}

/**
 * What the parser still finds as userinfo after the textual cut (tabs and newlines inside a URL, which the
 * parser drops, can hide an `@` from the pattern): then the parsed form, userinfo cleared, is written instead.
 */
function checked(cut: string): string {
  let u: URL;
  try {
    u = new URL(cut);
  } catch {
    return cut;
  }
  if (u.username === '' && u.password === '') return cut;
  u.username = '';
  u.password = '';
  return u.href;
}
