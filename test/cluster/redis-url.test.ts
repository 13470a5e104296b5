import { describe, expect, it } from 'vitest';
import { FanoutError } from '../../src/engine/errors.js';
import { bullmqWorkerOptions, parseRedisUrl, redisLocation, splitPassword } from '../../src/cluster/redis-url.js';

const noEnv = {};

function refusal(url: string): FanoutError {
  try {
    parseRedisUrl(url, noEnv);
  } catch (err) {
    return err as FanoutError;
  }
  throw new Error(`'${url}' was accepted`);
}

describe('parseRedisUrl', () => {
  it('reads host, port, password and database from a redis:// URL', () => {
    expect(parseRedisUrl('redis://:s%40cret@queue-host:6380/2', noEnv)).toEqual({ host: 'queue-host', port: 6380, password: 's@cret', db: 2 });
  });

  it('defaults to port 6379 and database 0, and takes an ACL user name', () => {
    expect(parseRedisUrl('redis://fanout:pw@10.0.0.5', noEnv)).toEqual({ host: '10.0.0.5', port: 6379, username: 'fanout', password: 'pw' });
  });

  it('takes a bracketed IPv6 address', () => {
    expect(parseRedisUrl('redis://[::1]:7000', noEnv)).toEqual({ host: '::1', port: 7000 });
  });

  it('turns on TLS for rediss://, checking the certificate against the host name', () => {
    expect(parseRedisUrl('rediss://queue.example.org:6390', noEnv)).toEqual({ host: 'queue.example.org', port: 6390, tls: { servername: 'queue.example.org' } });
  });

  it('reads a unix socket path, with credentials and ?db=, from redis+unix:// and unix://', () => {
    expect(parseRedisUrl('redis+unix:///run/redis/redis.sock', noEnv)).toEqual({ path: '/run/redis/redis.sock' });
    expect(parseRedisUrl('redis+unix://:p%3Aw@/tmp/my%20dir/r.sock?db=3', noEnv)).toEqual({ path: '/tmp/my dir/r.sock', password: 'p:w', db: 3 });
    expect(parseRedisUrl('unix://app:pw@/tmp/r.sock', noEnv)).toEqual({ path: '/tmp/r.sock', username: 'app', password: 'pw' });
  });

  it('takes the password from REDIS_PASSWORD when the URL has none, and the URL\'s when it has one', () => {
    const env = { REDIS_PASSWORD: 'from-env' };
    expect(parseRedisUrl('redis://h:1', env).password).toBe('from-env');
    expect(parseRedisUrl('redis+unix:///tmp/r.sock', env).password).toBe('from-env');
    expect(parseRedisUrl('redis://:from-url@h:1', env).password).toBe('from-url');
  });

  it.each([
    ['queue-host:6379', 'no scheme'],
    ['http://queue-host:6379', "unknown scheme 'http://'"],
    ['redis://', 'no host'],
    ['redis://h:99999', 'does not parse'],
    ['redis://h:6379/zero', "the database must be a number, got 'zero'"],
    ['redis://h:6379?db=1', "unexpected '?db=1'"],
    ['redis+unix://relative/r.sock', 'absolute path'],
    ['redis+unix:///tmp/r.sock?timeout=5', "unknown parameter 'timeout'"],
    ['redis+unix:///tmp/', 'no socket file'],
    ['redis+unix:///tmp/100%.sock', 'bad percent-encoding'],
  ])('refuses %s with one line saying why (%s)', (url, why) => {
    const err = refusal(url);
    expect(err).toBeInstanceOf(FanoutError);
    expect(err.code).toBe('CLUSTER_BAD_URL');
    expect(err.message).toContain(why);
    expect(err.message).toContain('redis://[:password@]host:port[/db]');
    expect(err.message).not.toContain('\n');
  });

  it('never shows the password of a refused URL', () => {
    expect(refusal('redis://:hunter2@h:6379/x').message).not.toContain('hunter2');
  });
});

describe('bullmqWorkerOptions', () => {
  it('lets blocking connections retry for as long as ioredis reconnects', () => {
    const options = parseRedisUrl('redis://h:1/4', noEnv);
    expect(bullmqWorkerOptions(options)).toEqual({ host: 'h', port: 1, db: 4, maxRetriesPerRequest: null });
    expect(options).not.toHaveProperty('maxRetriesPerRequest');
  });
});

describe('redisLocation', () => {
  it('names where the options point without the password', () => {
    expect(redisLocation(parseRedisUrl('redis://:pw@h:1/4', noEnv))).toBe('h:1/4');
    expect(redisLocation(parseRedisUrl('rediss://[::1]:7', noEnv))).toBe('rediss://[::1]:7');
    expect(redisLocation(parseRedisUrl('redis+unix://:pw@/tmp/r.sock?db=2', noEnv))).toBe('/tmp/r.sock (db 2)');
  });
});

describe('splitPassword', () => {
  it('takes the password out of a URL, keeping the user, and gives back a URL that reads the same with REDIS_PASSWORD', () => {
    for (const url of ['redis://:p%40ss@h:1/2', 'redis://app:p%40ss@h:1', 'redis+unix://:p%40ss@/tmp/r.sock?db=1', 'rediss://app:p%40ss@h']) {
      const split = splitPassword(url);
      expect(split.password).toBe('p@ss');
      expect(split.url).not.toContain('p%40ss');
      expect(parseRedisUrl(split.url, { REDIS_PASSWORD: split.password })).toEqual(parseRedisUrl(url, {}));
    }
    expect(splitPassword('redis://h:1')).toEqual({ url: 'redis://h:1' });
  });
});
