/** What the coordinator reads of its run's state in Redis: live workers, and each outstanding job's fate. */
import type { Redis } from 'ioredis';
import type { RunKeys } from './keys.js';

/** Workers registered for the run whose registration has not lapsed. */
export async function liveWorkers(redis: Redis, keys: RunKeys): Promise<number> {
  const now = Date.now();
  return Object.values(await redis.hgetall(keys.workers)).filter((until) => Number(until) > now).length;
}

/** A job's state for the stalled check: KEYS job hash, its lock, the active list; ARGV job id. */
const JOB_STATE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then return 1 end
if redis.call('LPOS', KEYS[3], ARGV[1]) then return 2 end
return 1`;

export async function jobState(redis: Redis, keys: RunKeys, jobId: string): Promise<'gone' | 'running' | 'stalled'> {
  const job = keys.job(jobId);
  const r = await redis.eval(JOB_STATE_LUA, 3, job, `${job}:lock`, keys.active, jobId);
  return r === 0 ? 'gone' : r === 2 ? 'stalled' : 'running';
}
