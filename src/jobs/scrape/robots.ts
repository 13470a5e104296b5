/**
 * robots.txt rules for one user agent, after RFC 9309: the group(s) whose user-agent line names our product
 * token (the most specific name wins, groups naming it twice are merged), else the "*" group(s); then the
 * longest matching Allow/Disallow pattern decides, Allow winning a tie. Patterns support "*" (any run of
 * characters) and a final "$" (end of URL). Crawl-delay, not in the RFC but widely used, is read from the chosen
 * group(s). Pure: the coordinator fetches and caches the file (robots-gate.ts).
 */

export interface Robots {
  /** `pathWithQuery`: the URL's pathname + search, percent-encoded as the URL parser leaves it. */
  isAllowed(pathWithQuery: string): boolean;
  /** Crawl-delay of the chosen group, in ms; undefined when not given. */
  crawlDelayMs: number | undefined;
}

interface Rule {
  allow: boolean;
  /** Octets in the pattern: the longest match wins. */
  length: number;
  match: (path: string) => boolean;
}

interface Group {
  agents: string[];
  rules: Rule[];
  crawlDelayMs: number | undefined;
}

/** Upper-cases percent escapes and percent-encodes non-ASCII, so pattern and path compare octet for octet. */
function normalize(text: string): string {
  let out = text.replace(/%[0-9a-f]{2}/gi, (m) => m.toUpperCase());
  if (/[^\x00-\x7f]/.test(out)) out = out.replace(/[^\x00-\x7f]+/g, (m) => encodeURIComponent(m));
  return out;
}

/**
 * A pattern is literal pieces separated by "*"; taking each piece at its leftmost place after the previous one
 * decides a match (an earlier place never leaves less room for the rest), so matching never backtracks: one
 * indexOf per piece, linear in path and pattern. A regex of ".*" runs backtracked exponentially: 8 wildcards
 * against a 60-character path took seconds, 40 stalled the run.
 */
export function compilePattern(pattern: string): (path: string) => boolean {
  const anchored = pattern.endsWith('$');
  const body = anchored ? pattern.slice(0, -1) : pattern;
  if (!body.includes('*')) return anchored ? (path) => path === body : (path) => path.startsWith(body);
  const pieces = body.split('*');
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  const middle = pieces.slice(1, -1).filter((p) => p !== '');
  return (path) => {
    if (!path.startsWith(first)) return false;
    let at = first.length;
    for (const piece of middle) {
      const found = path.indexOf(piece, at);
      if (found === -1) return false;
      at = found + piece.length;
    }
    // Unanchored, the last piece may sit anywhere after the others; anchored, it must end the path.
    return anchored ? path.length - last.length >= at && path.endsWith(last) : path.indexOf(last, at) !== -1;
  };
}

function parseGroups(text: string): Group[] {
  const groups: Group[] = [];
  let current: Group | null = null;
  let lastWasAgent = false;
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'user-agent' || key === 'useragent' || key === 'user agent') {
      if (!current || !lastWasAgent) {
        current = { agents: [], rules: [], crawlDelayMs: undefined };
        groups.push(current);
      }
      current.agents.push(value.toLowerCase());
      lastWasAgent = true;
      continue;
    }
    lastWasAgent = false;
    if (!current) continue; // rules before any user-agent line belong to no group
    if (key === 'allow' || key === 'disallow') {
      if (value === '') continue; // "Disallow:" with no path allows everything: no rule
      const pattern = normalize(value);
      current.rules.push({ allow: key === 'allow', length: pattern.length, match: compilePattern(pattern) });
    } else if (key === 'crawl-delay') {
      const seconds = Number(value);
      if (value !== '' && Number.isFinite(seconds) && seconds >= 0 && current.crawlDelayMs === undefined) {
        current.crawlDelayMs = Math.round(seconds * 1000);
      }
    }
  }
  return groups;
}

/** The product name a robots.txt user-agent line gives: its leading token ("Googlebot/2.1" -> "googlebot"). */
function productToken(agent: string): string {
  return /^[a-z0-9_-]*/.exec(agent)![0];
}

/** Whether `token` appears in our user agent as a whole word ("fanout" in "Mozilla/5.0 (compatible; fanout/1)"). */
function namesUs(userAgent: string, token: string): boolean {
  if (!token) return false;
  for (let at = userAgent.indexOf(token); at !== -1; at = userAgent.indexOf(token, at + 1)) {
    const before = at === 0 ? '' : userAgent[at - 1];
    const after = userAgent[at + token.length] ?? '';
    if (!/[a-z0-9_-]/.test(before) && !/[a-z0-9_-]/.test(after)) return true;
  }
  return false;
}

export function parseRobots(text: string, userAgent: string): Robots {
  const groups = parseGroups(text);
  const ua = userAgent.toLowerCase();
  let best = '';
  // A Set: a 512 KiB file can hold tens of thousands of groups naming us (a list's includes() made that quadratic).
  let chosen = new Set<Group>();
  for (const group of groups) {
    for (const agent of group.agents) {
      const token = productToken(agent);
      if (!namesUs(ua, token) || token.length < best.length) continue;
      if (token.length > best.length) chosen = new Set();
      best = token;
      chosen.add(group);
    }
  }
  const picked = chosen.size > 0 ? [...chosen] : groups.filter((g) => g.agents.includes('*'));
  const rules = picked.flatMap((g) => g.rules);
  const crawlDelayMs = picked.find((g) => g.crawlDelayMs !== undefined)?.crawlDelayMs;
  return {
    crawlDelayMs,
    isAllowed(pathWithQuery: string): boolean {
      const path = normalize(pathWithQuery || '/');
      if (path === '/robots.txt') return true;
      let verdict: Rule | null = null;
      for (const rule of rules) {
        if (!rule.match(path)) continue;
        if (!verdict || rule.length > verdict.length || (rule.length === verdict.length && rule.allow)) verdict = rule;
      }
      return verdict ? verdict.allow : true;
    },
  };
}
