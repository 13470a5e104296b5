import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, EnvHttpProxyAgent } from '../../../src/jobs/scrape/undici.js';

describe("the scrape job's own undici parts", () => {
  it("are undici's exported classes, with its request API, without loading undici's index", async () => {
    const server = createServer((_req, res) => res.end('hello'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const agent = new Agent();
    try {
      const { port } = server.address() as AddressInfo;
      const res = await agent.request({ origin: `http://127.0.0.1:${port}`, path: '/', method: 'GET' });
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toBe('hello');
    } finally {
      await agent.close();
      server.close();
    }
    // In a fresh process (this one may have loaded undici whole already): its index stays unloaded.
    const probe = `import(${JSON.stringify(new URL('../../../dist/src/jobs/scrape/undici.js', import.meta.url).href)}).then(() =>
      console.log(Object.keys(require.cache).filter((f) => f.endsWith('undici/index.js')).length))`;
    expect(spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' }).stdout.trim()).toBe('0');
    const undici = await import('undici');
    expect(Agent).toBe(undici.Agent);
    expect(EnvHttpProxyAgent).toBe(undici.EnvHttpProxyAgent);
  });
});
