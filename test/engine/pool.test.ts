/**
 * The pool's placement, with scripted channels (the test decides when each worker is ready and what it answers),
 * so the order of events is exact rather than a race between real workers.
 */
import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/engine/pool.js';
import type { FromWorker, ToWorker, WireTask } from '../../src/engine/protocol.js';
import type { Channel } from '../../src/engine/runtimes/channel.js';

class ScriptedChannel implements Channel {
  readonly sent: ToWorker[] = [];
  private handler: (msg: FromWorker) => void = () => {};
  send(msg: ToWorker): void {
    this.sent.push(msg);
  }
  onMessage(handler: (msg: FromWorker) => void): void {
    this.handler = handler;
  }
  onExit(): void {}
  async terminate(): Promise<void> {}
  emit(msg: FromWorker): void {
    this.handler(msg);
  }
  /** Ids of the tasks this worker was sent. */
  get taskIds(): number[] {
    return this.sent.flatMap((m) => (m.t === 'run' ? m.tasks.map((t) => t.id) : []));
  }
}

const task = (id: number): WireTask => ({ id, index: id, attempt: 1, item: id });
const turn = () => new Promise<void>((resolve) => queueMicrotask(resolve));

function pool(size: number, fairShare: number) {
  const channels: ScriptedChannel[] = [];
  const p = new WorkerPool(
    () => {
      const c = new ScriptedChannel();
      channels.push(c);
      return c;
    },
    size,
    'task.js',
    null,
    { settled: () => {}, keyReleased: () => {}, batchSettled: () => {}, crashed: () => {}, timedOut: () => {}, fatal: () => {}, orphaned: () => {}, ready: () => {} },
    fairShare,
  );
  return { p, channels };
}

describe('WorkerPool', () => {
  it('starts one worker, and another only when a task arrives while every started worker has work', async () => {
    const { p, channels } = pool(3, Infinity);
    expect(channels).toHaveLength(1);
    channels[0]!.emit({ t: 'ready' });
    p.dispatch(task(0));
    await turn();
    expect(channels).toHaveLength(1); // one task: one worker
    channels[0]!.emit({ t: 'results', settled: [{ id: 0, kind: 'ok', value: null }] });
    p.dispatch(task(1));
    await turn();
    expect(channels).toHaveLength(1); // the worker was free again
    p.dispatch(task(2));
    expect(channels).toHaveLength(2); // the first one had work
    p.dispatch(task(3));
    expect(channels).toHaveLength(2); // the second, still loading, has none yet
    channels[1]!.emit({ t: 'ready' });
    for (let id = 4; id < 12; id++) p.dispatch(task(id));
    expect(channels).toHaveLength(3); // never more than the pool's size
  });

  it('starts every worker at a long list\'s first items, though the first one, ready, holds its fair share', () => {
    const { p, channels } = pool(4, 2);
    channels[0]!.emit({ t: 'ready' });
    for (let id = 0; id < 10; id++) p.dispatch(task(id));
    // Items held back for a worker still loading are that worker's work: the list needs all four.
    expect(channels).toHaveLength(4);
  });

  it('gives a worker that is ready first only its fair share while another is still loading', async () => {
    const { p, channels } = pool(2, 4);
    channels[0]!.emit({ t: 'ready' });
    for (let id = 0; id < 8; id++) p.dispatch(task(id));
    const [a, b] = channels;
    await turn();
    expect(a!.taskIds).toEqual([0, 1, 2, 3]);
    expect(b!.taskIds).toEqual([]);
    b!.emit({ t: 'ready' });
    await turn();
    expect(b!.taskIds).toEqual([4, 5, 6, 7]);
  });

  it('hands a held-back task to the ready worker once it frees a slot, if the other is still loading', async () => {
    const { p, channels } = pool(2, 2);
    channels[0]!.emit({ t: 'ready' });
    for (let id = 0; id < 3; id++) p.dispatch(task(id));
    const [a, b] = channels;
    await turn();
    expect(a!.taskIds).toEqual([0, 1]);
    a!.emit({ t: 'results', settled: [{ id: 0, kind: 'ok', value: null }] });
    await turn();
    expect(a!.taskIds).toEqual([0, 1, 2]);
    expect(b!.taskIds).toEqual([]);
  });

  it('places on the least-loaded worker without a cap once every worker is ready', async () => {
    const { p, channels } = pool(2, 1);
    p.dispatch(task(0));
    p.dispatch(task(1)); // the second worker starts
    for (const c of channels) c.emit({ t: 'ready' });
    for (let id = 2; id < 6; id++) p.dispatch(task(id));
    await turn();
    expect(channels.map((c) => c.taskIds.length)).toEqual([3, 3]);
  });
});
