/**
 * The HTTP side of a scrape's options: the keep-alive agent (its TLS trust and proxy) and the request each URL
 * gets (method, headers, body). Shared by the task, wherever it runs, and robots.txt on the coordinator.
 */
import { Agent, EnvHttpProxyAgent, type Dispatcher } from './undici.js';
import type { ScrapeTaskOptions } from './record.js';
import { tlsConnectOptions } from './tls-trust.js';

const ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
/** What curl -d sends a body as, unless -H says otherwise. */
const FORM = 'application/x-www-form-urlencoded';

export function hasProxyEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.HTTP_PROXY || env.http_proxy || env.HTTPS_PROXY || env.https_proxy);
}

/**
 * One keep-alive agent: through --proxy, else HTTP_PROXY/HTTPS_PROXY, NO_PROXY honoured either way; the TLS
 * trust of -k/--cacert. `connections` caps sockets per origin.
 */
export function createAgent(options: ScrapeTaskOptions, connections = options.connectionsPerOrigin): Dispatcher {
  const trust = tlsConnectOptions(options);
  const agentOptions = {
    connections,
    connect: { timeout: options.connectTimeoutMs, ...trust },
    headersTimeout: options.idleTimeoutMs,
    bodyTimeout: options.idleTimeoutMs,
  };
  if (!options.proxy && !hasProxyEnv()) return new Agent(agentOptions);
  const proxy = options.proxy ? { httpProxy: options.proxy, httpsProxy: options.proxy } : {};
  // Through a proxy, TLS with the origin runs inside the tunnel: requestTls is its trust.
  return new EnvHttpProxyAgent({ ...agentOptions, ...proxy, requestTls: trust });
}

/** Default request headers, then -u's credentials and a body's type, then the user's -H headers (names lower-cased) over them. */
export function requestHeaders(options: ScrapeTaskOptions): Record<string, string> {
  const headers: Record<string, string> = {
    'user-agent': options.userAgent,
    accept: ACCEPT,
    'accept-encoding': 'gzip, deflate, br',
  };
  if (options.user) headers.authorization = `Basic ${Buffer.from(options.user).toString('base64')}`;
  if (options.data != null) headers['content-type'] = FORM;
  if (options.cookie) headers.cookie = options.cookie;
  for (const [name, value] of Object.entries(options.headers)) headers[name.toLowerCase()] = value;
  return headers;
}

/** -X, or POST when there is a body to send (as curl does), else GET. */
export function requestMethod(options: ScrapeTaskOptions): string {
  return options.method ?? (options.data != null ? 'POST' : 'GET');
}
