/**
 * One connection to Redis before a cluster run reads or writes anything: each way a Redis can be unfit for
 * BullMQ is refused with one line naming the fix (a FanoutError with a CLUSTER_CODES code), instead of a
 * reconnect loop, a stack trace or a run whose jobs all fail.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { FanoutError } from '../engine/errors.js';
import { BULLMQ_COMMANDS } from './bullmq-commands.js';
import type { ClusterCode } from './errors.js';
import { parseRedisUrl, redisLocation } from './redis-url.js';

export type ClusterRole = 'coordinator' | 'worker';

export interface PreflightOptions {
  /** The whole check's bound, connection included (default 5,000 ms). */
  timeoutMs?: number;
  /** Where REDIS_PASSWORD is read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Commands the caller needs beyond BullMQ's (a results stream's XREADGROUP, say). */
  commands?: readonly string[];
}

export interface PreflightResult {
  /** redis_version as the server reports it. */
  version: string;
  /** Things that work but should be fixed, one line each (Redis older than BullMQ recommends). */
  warnings: string[];
}

const MINIMUM = [5, 0, 0];
const RECOMMENDED = [6, 2, 0];

export async function preflight(url: string, role: ClusterRole, options: PreflightOptions = {}): Promise<PreflightResult> {
  const target = parseRedisUrl(url, options.env);
  const where = `Redis at ${redisLocation(target)}`;
  const flag = role === 'coordinator' ? '--cluster URL' : 'the URL given to fanout worker';
  const timeoutMs = options.timeoutMs ?? 5_000;
  const { password, username, db, ...transport } = target;
  // Authentication and the database are sent by hand, so that each failure is told apart.
  const client = new Redis({
    ...transport,
    lazyConnect: true,
    protocol: 2,
    enableReadyCheck: false,
    disableClientInfo: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
  });
  let lastError: (Error & { code?: string }) | undefined;
  client.on('error', (err: Error) => {
    lastError = err;
  });
  const fail = (code: ClusterCode, message: string) => new FanoutError(code, `${where} ${message}`);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(fail('REDIS_UNREACHABLE', `did not answer within ${seconds(timeoutMs)}: check the host, port and firewall, or whether it speaks TLS (rediss://)`)), timeoutMs);
  });
  try {
    return await Promise.race([deadline, check()]);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }

  async function check(): Promise<PreflightResult> {
    try {
      await client.connect();
    } catch (err) {
      throw unreachable(lastError ?? (err as Error));
    }
    const warnings: string[] = [];
    if (password !== undefined) {
      const reply = await command(username ? ['AUTH', username, password] : ['AUTH', password]);
      if (reply instanceof Error && /without any password configured/i.test(reply.message)) {
        warnings.push(`${where} has no password, so the one given is not used: whoever reaches it can feed work to the workers`);
      } else if (reply instanceof Error) {
        throw fail('REDIS_AUTH', `refused the ${username ? 'user name or password' : 'password'} (${firstWord(reply)}): check it in ${flag} or REDIS_PASSWORD`);
      }
    }
    const info = await command(['INFO']);
    if (info instanceof Error) {
      if (/^NOAUTH/.test(info.message)) {
        throw fail('REDIS_AUTH', `needs a password: give it in the URL (redis://:PASSWORD@host:port) or in REDIS_PASSWORD`);
      }
      throw missing(['INFO'], info);
    }
    if (db) {
      const reply = await command(['SELECT', String(db)]);
      if (reply instanceof Error) {
        const count = infoField(String(info), 'databases') ?? (await databases());
        const range = count ? ` (it has ${count}: 0 to ${Number(count) - 1})` : '';
        throw fail('REDIS_BAD_DB', `has no database ${db}${range}: change the /db number in ${flag}`);
      }
    }
    const version = infoField(String(info), 'redis_version') ?? '0.0.0';
    if (compare(version, MINIMUM) < 0) {
      throw fail('REDIS_TOO_OLD', `is version ${version}; BullMQ needs 5.0 or newer (6.2 recommended): upgrade Redis or point ${flag} at a newer one`);
    }
    await checkCommands([...BULLMQ_COMMANDS, ...(options.commands ?? [])]);
    const policy = infoField(String(info), 'maxmemory_policy');
    if (policy && policy !== 'noeviction') {
      throw fail('REDIS_EVICTION', `has maxmemory-policy ${policy}, so it may drop queued work when memory runs short: set it to noeviction (CONFIG SET maxmemory-policy noeviction, and in redis.conf)`);
    }
    if (compare(version, RECOMMENDED) < 0) warnings.push(`${where} is version ${version}; BullMQ recommends 6.2 or newer`);
    return { version, warnings };
  }

  async function checkCommands(names: readonly string[]): Promise<void> {
    const reply = await command(['COMMAND', 'INFO', ...names]);
    // COMMAND itself renamed: the check cannot be made here, and BullMQ's first call will name the command.
    if (reply instanceof Error) return;
    const absent = names.filter((_, i) => (reply as unknown[])[i] == null);
    if (absent.length > 0) throw missing(absent);
  }

  function missing(names: string[], err?: Error): FanoutError {
    if (err && /^NOPERM/.test(err.message)) {
      return fail('REDIS_MISSING_COMMANDS', `does not let this user run ${names.join(', ')} (NOPERM): grant it in the ACL (+@all ~* &* for a dedicated user)`);
    }
    const one = names.length === 1;
    return fail('REDIS_MISSING_COMMANDS', `lacks ${one ? 'a command' : 'commands'} BullMQ needs: ${names.join(', ')} (renamed or disabled): remove ${one ? 'its rename-command line' : 'their rename-command lines'} from redis.conf`);
  }

  async function databases(): Promise<string | undefined> {
    const reply = await command(['CONFIG', 'GET', 'databases']);
    return Array.isArray(reply) && reply[1] != null ? String(reply[1]) : undefined;
  }

  /** A command's reply, or the server's error as a value (a refusal is an answer, not a failure here). */
  async function command(args: string[]): Promise<unknown> {
    try {
      return await client.call(args[0]!, ...args.slice(1));
    } catch (err) {
      const e = err as Error & { code?: string };
      if (e.name === 'ReplyError') return e;
      throw unreachable(lastError ?? e);
    }
  }

  function unreachable(err: Error & { code?: string }): FanoutError {
    return fail('REDIS_UNREACHABLE', `${reason(err, target)}`);
  }
}

/** Why the connection failed, with the fix, from Node's error codes and ioredis's messages. */
function reason(err: Error & { code?: string }, target: RedisOptions): string {
  const fix = target.path ? 'is redis-server running with this unixsocket?' : 'is redis-server running there, on this port?';
  switch (err.code) {
    case 'ECONNREFUSED': return `refused the connection: ${fix}`;
    case 'ENOENT': return `is not there (no such socket): ${fix}`;
    case 'EACCES': case 'EPERM': return 'cannot be opened (permission denied on the socket): run as a user who may, or widen unixsocketperm';
    case 'ENOTFOUND': case 'EAI_AGAIN': case 'EAI_FAIL': return `cannot be found: the host name '${target.host}' does not resolve (DNS); check it`;
    case 'ETIMEDOUT': return 'did not answer (connection timed out): check the host, port and firewall';
    case 'EHOSTUNREACH': case 'ENETUNREACH': return 'cannot be reached (no route to the host): check the address and network';
    case 'ECONNRESET': return `closed the connection: ${target.tls ? 'check that it speaks TLS' : 'if it speaks TLS, use rediss://'}`;
  }
  if (/protocol error|RESP type/i.test(err.message)) return 'answered, but not as Redis does: check the port';
  if (/SSL|TLS|CERT|self.signed|handshake/i.test(`${err.code ?? ''} ${err.message}`)) {
    const why = err.code ?? firstLine(err.message);
    return `failed the TLS handshake (${why}): use redis:// for a Redis without TLS, or put its CA in NODE_EXTRA_CA_CERTS`;
  }
  if (/timed out/i.test(err.message)) return 'did not answer in time: check the host, port and firewall';
  if (/connection is closed/i.test(err.message)) return `closed the connection: ${target.tls ? 'check that it speaks TLS' : 'if it speaks TLS, use rediss://'}`;
  return `cannot be reached: ${firstLine(err.message)}`;
}

function infoField(info: string, name: string): string | undefined {
  const m = new RegExp(`^${name}:(.*?)\\r?$`, 'm').exec(info);
  return m?.[1];
}

function compare(version: string, against: number[]): number {
  const parts = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < against.length; i++) {
    const d = (parts[i] ?? 0) - against[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

function firstWord(err: Error): string {
  return err.message.split(' ')[0]!;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
