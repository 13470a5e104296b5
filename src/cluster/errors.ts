/**
 * The stable codes of the cluster runtime's own failures (a FanoutError's `code`). One line each, so two
 * branches adding codes at once merge cleanly.
 */
export const CLUSTER_CODES = [
  /** The Redis URL given to --cluster or `fanout worker` cannot be parsed (a usage error: exit 2). */
  'CLUSTER_BAD_URL',
  /** No Redis answered at the URL: connection refused, host not found, no answer in time, not a Redis, TLS failed. */
  'REDIS_UNREACHABLE',
  /** Redis wants a password and got none, or refused the one given (NOAUTH, WRONGPASS). */
  'REDIS_AUTH',
  /** The database number in the URL does not exist on that Redis. */
  'REDIS_BAD_DB',
  /** Redis is older than BullMQ needs (5.0). */
  'REDIS_TOO_OLD',
  /** Commands BullMQ needs are renamed or disabled (rename-command), or the ACL user may not run them. */
  'REDIS_MISSING_COMMANDS',
  /** maxmemory-policy is not noeviction: Redis could drop queued work under memory pressure. */
  'REDIS_EVICTION',
  /** Redis went away mid-run and did not come back within the reconnection bound: the run stops as Ctrl-C does. */
  'REDIS_LOST',
  /** compare could not start the local `fanout worker` processes of a cluster strategy. */
  'CLUSTER_WORKERS',
] as const;

export type ClusterCode = (typeof CLUSTER_CODES)[number];
