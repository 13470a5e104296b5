/** The library's `serve`: loads BullMQ and ioredis only when called, so importing fanout for a local run does not. */
import type { Server, ServeOptions } from './serve.js';

export async function serve(options: ServeOptions): Promise<Server> {
  return (await import('./serve.js')).serve(options);
}
