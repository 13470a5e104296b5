/**
 * The Redis URL a user gives to `--cluster` and `fanout worker`, turned into ioredis options.
 *
 *   redis://[[user]:password@]host[:port][/db]     plain TCP, port 6379 and db 0 by default
 *   rediss://…                                      the same over TLS (the host name is checked against the
 *                                                   certificate; a private CA goes in NODE_EXTRA_CA_CERTS)
 *   redis+unix://[[user]:password@]/path/to/sock[?db=N]   a unix socket (`unix://` is taken too: redis-py,
 *                                                   Sidekiq and Celery spell it so)
 *
 * ioredis itself takes a socket as a bare path ('/tmp/redis.sock'), not as a URL, so no `redis://…?socket=` form
 * is offered: a scheme keeps a typo from becoming a socket path. A password missing from the URL comes from
 * REDIS_PASSWORD, which keeps it out of `ps` and shell history.
 */
import type { RedisOptions } from 'ioredis';
import { FanoutError } from '../engine/errors.js';

const FORMS = 'redis://[:password@]host:port[/db], rediss://… or redis+unix:///path/to/socket';
const DEFAULT_PORT = 6379;

/** Parses a Redis URL; a malformed one is a FanoutError CLUSTER_BAD_URL whose message is one line. */
export function parseRedisUrl(url: string, env: NodeJS.ProcessEnv = process.env): RedisOptions {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  let options: RedisOptions;
  if (scheme === 'redis' || scheme === 'rediss') options = parseTcp(url, scheme === 'rediss');
  else if (scheme === 'redis+unix' || scheme === 'unix') options = parseSocket(url, url.slice(scheme.length + 3));
  else throw bad(url, scheme ? `unknown scheme '${scheme}://'` : 'no scheme');
  if (options.password === undefined && env.REDIS_PASSWORD) options.password = env.REDIS_PASSWORD;
  return options;
}

/**
 * The options BullMQ wants for connections that block (Worker, QueueEvents): ioredis must retry their
 * commands for as long as it reconnects instead of failing them after 20 tries.
 */
export function bullmqWorkerOptions(options: RedisOptions): RedisOptions {
  return { ...options, maxRetriesPerRequest: null };
}

/**
 * The URL without its password, and the password: for handing a URL to processes this one starts, with the
 * password in their REDIS_PASSWORD instead of on their command line (which `ps` shows to every local user).
 */
export function splitPassword(url: string): { url: string; password?: string } {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^@/]*):([^@/]*)@(.*)$/is.exec(url);
  if (!m || !m[3]) return { url };
  return { url: `${m[1]}${m[2] ? `${m[2]}@` : ''}${m[4]}`, password: decodeURIComponent(m[3]) };
}

/** Where the options point, for messages: host:port[/db] or the socket path; never the password. */
export function redisLocation(options: RedisOptions): string {
  const db = options.db ? `/${options.db}` : '';
  if (options.path) return `${options.path}${options.db ? ` (db ${options.db})` : ''}`;
  const host = options.host?.includes(':') ? `[${options.host}]` : options.host;
  return `${options.tls ? 'rediss://' : ''}${host}:${options.port}${db}`;
}

function parseTcp(url: string, tls: boolean): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw bad(url, 'it does not parse as a URL');
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw bad(url, 'no host');
  if (u.search || u.hash) throw bad(url, `unexpected '${u.search || u.hash}' (only a database number may follow the port)`);
  const options: RedisOptions = { host, port: u.port ? Number(u.port) : DEFAULT_PORT };
  if (options.port === 0) throw bad(url, 'port 0');
  const db = u.pathname.replace(/^\//, '');
  if (db) options.db = parseDb(url, db);
  Object.assign(options, credentials(url, u.username, u.password));
  if (tls) options.tls = isIp(host) ? {} : { servername: host };
  return options;
}

function parseSocket(url: string, rest: string): RedisOptions {
  // WHATWG URL refuses credentials without a host ('redis+unix://:pw@/path'), so this form is split by hand.
  let auth = '';
  if (!rest.startsWith('/')) {
    const at = rest.indexOf('@/');
    if (at < 0) throw bad(url, 'a socket URL needs an absolute path: redis+unix:///path/to/socket');
    auth = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  const q = rest.indexOf('?');
  const path = decode(url, q < 0 ? rest : rest.slice(0, q));
  if (path === '/' || path.endsWith('/')) throw bad(url, 'no socket file in the path');
  const options: RedisOptions = { path };
  if (q >= 0) {
    for (const [key, value] of new URLSearchParams(rest.slice(q + 1))) {
      if (key !== 'db') throw bad(url, `unknown parameter '${key}' (a socket URL takes only ?db=N)`);
      options.db = parseDb(url, value);
    }
  }
  const colon = auth.indexOf(':');
  const user = colon < 0 ? auth : auth.slice(0, colon);
  const pass = colon < 0 ? '' : auth.slice(colon + 1);
  Object.assign(options, credentials(url, user, pass));
  return options;
}

function credentials(url: string, user: string, pass: string): Pick<RedisOptions, 'username' | 'password'> {
  const out: Pick<RedisOptions, 'username' | 'password'> = {};
  if (user) out.username = decode(url, user);
  // 'redis://:@host' is an empty password given on purpose only in theory; treat it as none, so REDIS_PASSWORD counts.
  if (pass) out.password = decode(url, pass);
  return out;
}

function parseDb(url: string, text: string): number {
  if (!/^\d{1,9}$/.test(text)) throw bad(url, `the database must be a number, got '${text}'`);
  return Number(text);
}

function decode(url: string, text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw bad(url, `bad percent-encoding in '${text}' (write % as %25)`);
  }
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

/** The message shows the URL with its password replaced, since it lands in logs and terminals. */
function bad(url: string, why: string): FanoutError {
  const shown = url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
  return new FanoutError('CLUSTER_BAD_URL', `not a Redis URL: '${shown}': ${why} (expected ${FORMS})`);
}
