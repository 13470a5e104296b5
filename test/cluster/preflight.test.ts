import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOldRedis } from '../../fixtures/old-redis.js';
import { startRedis, type RedisFixture } from '../../fixtures/redis-server.js';
import { BULLMQ_COMMANDS } from '../../src/cluster/bullmq-commands.js';
import { CLUSTER_CODES, type ClusterCode } from '../../src/cluster/errors.js';
import { preflight, type PreflightOptions } from '../../src/cluster/preflight.js';
import { FanoutError } from '../../src/engine/errors.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const tls = { cert: join(root, 'fixtures/tls/localhost-cert.pem'), key: join(root, 'fixtures/tls/localhost-key.pem') };
const noEnv: PreflightOptions = { env: {} };

/** The refusal preflight makes, checked to be one line with a known code. */
async function refusal(url: string, options: PreflightOptions = noEnv): Promise<FanoutError> {
  const err = await preflight(url, 'coordinator', options).then(
    () => { throw new Error(`${url} was accepted`); },
    (e: unknown) => e as FanoutError,
  );
  expect(err).toBeInstanceOf(FanoutError);
  expect(CLUSTER_CODES).toContain(err.code);
  expect(err.message).not.toContain('\n');
  return err;
}

function expectRefusal(err: FanoutError, code: ClusterCode, ...phrases: string[]): void {
  expect(err.code).toBe(code);
  for (const phrase of phrases) expect(err.message).toContain(phrase);
}

describe('preflight against a fit Redis', () => {
  let redis: RedisFixture;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis.stop());

  it('passes over TCP and over the unix socket, and reports the version', async () => {
    expect(await preflight(redis.url, 'coordinator', noEnv)).toEqual({ version: expect.stringMatching(/^\d+\.\d+/), warnings: [] });
    expect(await preflight(redis.socketUrl, 'worker', noEnv)).toMatchObject({ warnings: [] });
  });

  it('passes an existing database and refuses one the server does not have, saying how many it has', async () => {
    expect(await preflight(`${redis.url}/15`, 'worker', noEnv)).toMatchObject({ warnings: [] });
    expectRefusal(await refusal(`${redis.url}/16`), 'REDIS_BAD_DB', 'has no database 16', 'it has 16: 0 to 15', '--cluster URL');
  });

  it('warns when a password is given to a Redis that has none (anyone can feed its workers)', async () => {
    const { warnings } = await preflight(redis.url.replace('//', '//:secret@'), 'worker', noEnv);
    expect(warnings).toEqual([expect.stringContaining('has no password')]);
    expect(warnings[0]).not.toContain('secret');
  });
});

describe('preflight refuses an unfit Redis with one line naming the fix', () => {
  it('a closed port, and a socket that is not there', async () => {
    const redis = await startRedis();
    await redis.stop();
    expectRefusal(await refusal(redis.url), 'REDIS_UNREACHABLE', `127.0.0.1:${redis.port}`, 'refused the connection', 'is redis-server running');
    expectRefusal(await refusal(redis.socketUrl), 'REDIS_UNREACHABLE', redis.socket, 'no such socket');
  });

  it('a server that accepts the connection but never answers, within the bound', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const err = await refusal(`redis://127.0.0.1:${(silent.address() as { port: number }).port}`, { ...noEnv, timeoutMs: 800 });
      expectRefusal(err, 'REDIS_UNREACHABLE', 'did not answer within 0.8 s');
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it('a server that is not Redis', async () => {
    const http: Server = createServer((s) => s.on('data', () => s.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const port = (http.address() as { port: number }).port;
      expectRefusal(await refusal(`redis://127.0.0.1:${port}`), 'REDIS_UNREACHABLE', 'not as Redis does');
      expectRefusal(await refusal(`rediss://127.0.0.1:${port}`), 'REDIS_UNREACHABLE', 'TLS handshake', 'use redis://');
    } finally {
      http.close();
    }
  });

  describe('with a password', () => {
    let redis: RedisFixture;
    const password = 'p@ss word:1';
    beforeAll(async () => {
      redis = await startRedis({ password });
    });
    afterAll(() => redis.stop());
    const bare = () => redis.url.replace(/\/\/.*@/, '//');

    it('none given (NOAUTH)', async () => {
      expectRefusal(await refusal(bare()), 'REDIS_AUTH', 'needs a password', 'REDIS_PASSWORD');
    });

    it('a wrong one, never echoed', async () => {
      const err = await refusal(bare().replace('//', '//:wrong-one@'));
      expectRefusal(err, 'REDIS_AUTH', 'refused the password (WRONGPASS)');
      expect(err.message).not.toContain('wrong-one');
    });

    it('passes with the password in the URL, on the socket, or in REDIS_PASSWORD', async () => {
      await expect(preflight(redis.url, 'coordinator', noEnv)).resolves.toMatchObject({ warnings: [] });
      await expect(preflight(redis.socketUrl, 'worker', noEnv)).resolves.toMatchObject({ warnings: [] });
      await expect(preflight(bare(), 'worker', { env: { REDIS_PASSWORD: password } })).resolves.toMatchObject({ warnings: [] });
    });
  });

  it('EVALSHA disabled, or XADD renamed, by rename-command', async () => {
    const disabled = await startRedis({ config: { 'rename-command': ['EVALSHA', ''] } });
    const renamed = await startRedis({ config: { 'rename-command': ['XADD', 'XADD_7f3a'] } });
    try {
      expectRefusal(await refusal(disabled.url), 'REDIS_MISSING_COMMANDS', 'lacks a command BullMQ needs: EVALSHA', 'rename-command');
      expectRefusal(await refusal(renamed.socketUrl), 'REDIS_MISSING_COMMANDS', ': XADD (renamed or disabled)');
    } finally {
      await Promise.all([disabled.stop(), renamed.stop()]);
    }
  });

  it('maxmemory-policy allkeys-lru (queued work could be evicted)', async () => {
    const redis = await startRedis({ config: { 'maxmemory-policy': 'allkeys-lru' } });
    try {
      expectRefusal(await refusal(redis.url), 'REDIS_EVICTION', 'maxmemory-policy allkeys-lru', 'set it to noeviction');
    } finally {
      await redis.stop();
    }
  });

  it('a Redis older than 5.0, and only a warning for one older than 6.2', async () => {
    const v4 = await startOldRedis('4.0.14');
    const v6 = await startOldRedis('6.0.16');
    try {
      expectRefusal(await refusal(v4.url), 'REDIS_TOO_OLD', 'is version 4.0.14', 'BullMQ needs 5.0 or newer');
      expect(await preflight(v6.url, 'worker', noEnv)).toEqual({ version: '6.0.16', warnings: [expect.stringContaining('is version 6.0.16; BullMQ recommends 6.2')] });
    } finally {
      await Promise.all([v4.close(), v6.close()]);
    }
  });
});

describe('preflight over TLS (rediss://)', () => {
  let redis: RedisFixture;
  beforeAll(async () => {
    redis = await startRedis({ password: 'tls-pw', tls });
  });
  afterAll(() => redis.stop());

  it('refuses a certificate it cannot verify, naming NODE_EXTRA_CA_CERTS', async () => {
    expectRefusal(await refusal(redis.tlsUrl!), 'REDIS_UNREACHABLE', 'TLS handshake', 'NODE_EXTRA_CA_CERTS');
  });

  it('passes once the certificate\'s CA is in NODE_EXTRA_CA_CERTS (read at start-up, so in a fresh node)', async () => {
    const script = `import { preflight } from ${JSON.stringify(join(root, 'dist/src/cluster/preflight.js'))};
      console.log(JSON.stringify(await preflight(process.argv[1], 'worker')));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, redis.tlsUrl!], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: tls.cert },
    });
    expect(JSON.parse(stdout)).toMatchObject({ warnings: [] });
  });
});

describe('BULLMQ_COMMANDS', () => {
  it('holds every command the installed BullMQ\'s Lua scripts call', () => {
    const commands = join(dirname(createRequire(import.meta.url).resolve('bullmq')), 'commands');
    const lua = [...readdirSync(commands), ...readdirSync(join(commands, 'includes')).map((f) => join('includes', f))]
      .filter((f) => f.endsWith('.lua'))
      .map((f) => readFileSync(join(commands, f), 'utf8'))
      .join('\n');
    const called = new Set([...lua.matchAll(/(?:rcall|redis\.p?call)\(\s*["']([A-Za-z]+)["']/g)].map((m) => m[1]!.toUpperCase()));
    for (const [, name] of lua.matchAll(/(?:Cmd|Command|command)\s*=\s*.*?["']([A-Z]+)["']/g)) called.add(name!);
    expect(called.size).toBeGreaterThan(40);
    expect([...called].filter((c) => !(BULLMQ_COMMANDS as readonly string[]).includes(c))).toEqual([]);
  });
});
