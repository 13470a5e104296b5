/**
 * What the coordinator's run jar (cookie-jar.ts) and a worker's attempt jar (cookie-hops.ts) share: the cookies of a
 * site travel between them serialized (tough-cookie's own form), and both sides make a jar from them the same way.
 */
import { CookieJar, type SerializedCookie, type SerializedCookieJar } from 'tough-cookie';

/** How every jar of a run is made, the coordinator's and the workers'. */
export const JAR_OPTIONS = { looseMode: true } as const;

/** A jar holding these cookies (serialized), made as tough-cookie restores its own. */
export function jarOf(cookies: readonly SerializedCookie[] | undefined): CookieJar {
  if (!cookies || cookies.length === 0) return new CookieJar(undefined, JAR_OPTIONS);
  const base = new CookieJar(undefined, JAR_OPTIONS).serializeSync() as SerializedCookieJar;
  return CookieJar.deserializeSync({ ...base, cookies: cookies as SerializedCookie[] });
}
