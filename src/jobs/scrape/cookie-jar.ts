/**
 * The run's cookie jar, on the coordinator (-b, --cookie-jar): one tough-cookie jar (RFC 6265, public suffixes
 * refused) per site, a site being a host's registrable domain (an IP address or a single-label host is its own).
 * A cookie never crosses sites, so the split loses nothing, and what an item is sent is its site's cookies only:
 * the worker's attempt jar (cookie-hops.ts) then answers for the first request and for redirects within the site.
 * A site's cookies are serialized once per change, not per item.
 */
import { getPublicSuffix, type CookieJar, type SerializedCookie } from 'tough-cookie';
import { jarOf } from './cookie-snapshot.js';
import type { ReceivedCookies } from './record.js';

/** The registrable domain of a host (www.example.co.uk: example.co.uk); the host itself when it has none. */
export function siteOf(hostname: string): string {
  return getPublicSuffix(hostname, { allowSpecialUseDomain: true, ignoreError: true }) ?? hostname;
}

interface Site {
  jar: CookieJar;
  /** Its cookies as sent to workers; null once stale. */
  snapshot: SerializedCookie[] | null;
}

export class RunCookies {
  private readonly sites = new Map<string, Site>();

  /** Starts from these cookies (-b FILE). */
  constructor(initial: readonly SerializedCookie[] = []) {
    const bySite = new Map<string, SerializedCookie[]>();
    for (const c of initial) {
      if (typeof c.domain !== 'string' || c.domain === '') continue;
      const site = siteOf(c.domain);
      const list = bySite.get(site);
      if (list) list.push(c);
      else bySite.set(site, [c]);
    }
    for (const [site, cookies] of bySite) this.sites.set(site, { jar: jarOf(cookies), snapshot: null });
  }

  /** The cookies of the URL's site, for its attempt; undefined when it has none (or the URL is not one). */
  forUrl(url: string): SerializedCookie[] | undefined {
    let host: string;
    try {
      host = new URL(url).hostname;
    } catch {
      return undefined;
    }
    const site = this.sites.get(siteOf(host));
    if (!site) return undefined;
    site.snapshot ??= site.jar.serializeSync()?.cookies ?? [];
    return site.snapshot.length > 0 ? site.snapshot : undefined;
  }

  /** Stores what an attempt's answers set, hop by hop (a cookie the rules refuse is dropped, as browsers drop it). */
  store(received: ReceivedCookies): void {
    for (const [url, headers] of received) {
      let host: string;
      try {
        host = new URL(url).hostname;
      } catch {
        continue;
      }
      const key = siteOf(host);
      let site = this.sites.get(key);
      if (!site) this.sites.set(key, (site = { jar: jarOf(undefined), snapshot: null }));
      for (const header of headers) site.jar.setCookieSync(header, url, { ignoreError: true });
      site.snapshot = null;
    }
  }

  /** Every cookie, for --cookie-jar. */
  all(): SerializedCookie[] {
    return [...this.sites.values()].flatMap((s) => s.jar.serializeSync()?.cookies ?? []);
  }
}
