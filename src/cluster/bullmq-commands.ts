/**
 * The Redis commands a cluster run needs, so that a Redis whose redis.conf renamed or disabled one of them
 * (rename-command, a hardening habit) is refused before the run instead of failing every job.
 * BullMQ's Lua scripts call the first group (rename-command reaches into scripts too; the test reads the installed
 * BullMQ's scripts and fails when it uses one not listed); its Queue and Worker call the second directly.
 */
export const BULLMQ_COMMANDS = [
  // Called by BullMQ's Lua scripts.
  'DEL', 'EXISTS', 'GET', 'HDEL', 'HEXISTS', 'HGET', 'HGETALL', 'HINCRBY', 'HLEN', 'HMGET', 'HMSET', 'HSET', 'INCR',
  'INCRBY', 'LINDEX', 'LLEN', 'LPOP', 'LPOS', 'LPUSH', 'LRANGE', 'LREM', 'LSET', 'LTRIM', 'PERSIST', 'PEXPIRE',
  'PEXPIREAT', 'PTTL', 'RENAME', 'RPOP', 'RPOPLPUSH', 'RPUSH', 'SADD', 'SCARD', 'SET', 'SISMEMBER', 'SMEMBERS', 'SREM',
  'TIME', 'TYPE', 'UNLINK', 'XADD', 'XDEL', 'XLEN', 'XRANGE', 'XREAD', 'XTRIM', 'ZADD', 'ZCARD', 'ZCOUNT',
  'ZLEXCOUNT', 'ZPOPMIN', 'ZRANGE', 'ZRANGEBYLEX', 'ZRANGEBYSCORE', 'ZREM', 'ZREMRANGEBYRANK', 'ZREMRANGEBYSCORE',
  'ZREVRANGE', 'ZREVRANGEBYSCORE', 'ZSCORE', 'SSCAN', 'HSCAN',
  // Called directly: scripts run through EVALSHA with EVAL as ioredis's fallback, workers wait in BZPOPMIN.
  'EVALSHA', 'EVAL', 'BZPOPMIN', 'MULTI', 'EXEC', 'INFO', 'CLIENT', 'SCAN',
] as const;
