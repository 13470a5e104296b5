/**
 * The bare-Node anchor of the throughput benchmark (as in shared/NOTES.md): undici `request` on a keep-alive
 * Agent with p-limit for concurrency, bodies read and dropped; no parsing, no records. Run as its own process
 * so it is timed like the fanout and curl commands: `node undici-fetch.js LIST CONCURRENCY`.
 */
import { readFile } from 'node:fs/promises';
import pLimit from 'p-limit';
import { Agent, request } from 'undici';

const [list, concurrency = '16'] = process.argv.slice(2);
const urls = (await readFile(list!, 'utf8')).split('\n').filter(Boolean);
const agent = new Agent({ connections: 8 });
const limit = pLimit(Number(concurrency));
// One promise per URL up front is fine for an anchor of 20,000 URLs (fanout itself pulls lazily).
await Promise.all(
  urls.map((url) =>
    limit(async () => {
      const res = await request(url, { dispatcher: agent });
      for await (const _ of res.body);
    }),
  ),
);
await agent.close();
