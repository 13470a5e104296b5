/**
 * The cookies of one attempt, in the worker (-b, --cookie-jar): a jar made from what the coordinator sent (the
 * URL's site's cookies when the attempt was admitted), which gives each hop its Cookie header and takes each
 * hop's Set-Cookie, so a redirect carries the cookies set on the way (a login that redirects). What the hops set
 * goes back with the report, for the coordinator's jar. A redirect to another site has only the cookies set
 * during this attempt: the other site's cookies stay with the coordinator.
 */
import type { CookieJar, SerializedCookie } from 'tough-cookie';
import { jarOf } from './cookie-snapshot.js';
import type { HopCookies } from './fetch.js';
import { publicUrl } from './public-url.js';
import type { ReceivedCookies } from './record.js';

export class AttemptCookies implements HopCookies {
  private readonly jar: CookieJar;
  /** Each hop's Set-Cookie headers, with the hop's URL (no userinfo). */
  readonly received: ReceivedCookies = [];

  constructor(cookies: readonly SerializedCookie[] | undefined) {
    this.jar = jarOf(cookies);
  }

  header(url: string): string {
    return this.jar.getCookieStringSync(url);
  }

  take(url: string, setCookie: string | string[] | undefined): void {
    if (setCookie === undefined) return;
    const headers = Array.isArray(setCookie) ? setCookie : [setCookie];
    if (headers.length === 0) return;
    this.received.push([publicUrl(url), headers]);
    for (const h of headers) this.jar.setCookieSync(h, url, { ignoreError: true });
  }
}
