import { describe, expect, it } from 'vitest';
import { TaskHost } from '../../../src/engine/worker/task-host.js';
import type { FromWorker } from '../../../src/engine/protocol.js';

const BUSY = new URL('../../../fixtures/tasks/busy-task.ts', import.meta.url).href;
const ECHO = new URL('../../../fixtures/tasks/echo-task.ts', import.meta.url).href;
const LISTEN = new URL('../../../fixtures/tasks/listen-task.ts', import.meta.url).href;

/** A host whose messages are collected; resolves once `settled` results have been posted. */
async function runHost(module: string, items: unknown[]): Promise<FromWorker[]> {
  const posted: FromWorker[] = [];
  let done: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  let settled = 0;
  const host = new TaskHost((msg) => {
    posted.push(msg);
    if (msg.t === 'results' && (settled += msg.settled.length) === items.length) done();
  });
  host.handle({ t: 'init', module, options: null });
  host.handle({ t: 'run', tasks: items.map((item, i) => ({ id: i, index: i, attempt: 1, item })) });
  await finished;
  return posted.filter((m) => m.t === 'results');
}

describe('TaskHost', () => {
  it('sends the result of a slow synchronous task at once, not after the tasks sent with it', async () => {
    const results = await runHost(BUSY, [10, 10, 10]);
    expect(results.map((m) => (m.t === 'results' ? m.settled.map((s) => s.id) : []))).toEqual([[0], [1], [2]]);
  });

  it('batches the results of quick tasks into one message', async () => {
    const results = await runHost(ECHO, Array.from({ length: 50 }, (_, i) => i));
    expect(results.length).toBeLessThan(5);
    expect(results.flatMap((m) => (m.t === 'results' ? m.settled.map((s) => s.id) : []))).toHaveLength(50);
  });

  it('lets many tasks in flight listen on the signal without a listener-leak warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const results = await runHost(LISTEN, Array.from({ length: 40 }, (_, i) => i));
      expect(results.flatMap((m) => (m.t === 'results' ? m.settled : []))).toHaveLength(40);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a later tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });

  it('aborts the signal of running tasks and of tasks that start after the cancel', () => {
    const host = new TaskHost(() => {});
    expect(host.signal.aborted).toBe(false);
    host.handle({ t: 'cancel' });
    expect(host.signal.aborted).toBe(true);
    expect(host.signal.reason).toMatchObject({ code: 'CANCELLED' });
  });
});
