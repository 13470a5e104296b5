/**
 * Worker side of the protocol, shared by all three runtimes: loads the task module, runs the tasks it is sent
 * with an AbortSignal each, and sends settlements back in batches.
 */
import { pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import { FanoutError, isRetryLater, serializeError } from '../errors.js';
import type { FromWorker, Settlement, ToWorker, WireTask } from '../protocol.js';
import type { TaskFn } from '../task.js';

export function moduleUrl(module: string): string {
  return isAbsolute(module) ? pathToFileURL(module).href : module;
}

export class TaskHost {
  private fn: TaskFn | null = null;
  private ready: Promise<TaskFn | null> | null = null;
  private readonly running = new Map<number, AbortController>();
  private outbox: Settlement[] = [];
  private flushScheduled = false;

  constructor(
    private readonly post: (msg: FromWorker) => void,
    /** How settlements are batched: setImmediate across a boundary, a microtask in-process. */
    private readonly schedule: (fn: () => void) => void = setImmediate,
  ) {}

  handle(msg: ToWorker): void {
    switch (msg.t) {
      case 'init':
        this.ready = this.init(msg.module, msg.options);
        break;
      case 'run':
        for (const task of msg.tasks) this.start(task);
        break;
      case 'cancel':
        for (const id of msg.ids) this.running.get(id)?.abort(new FanoutError('CANCELLED', 'run cancelled'));
        break;
      case 'close':
        void this.close();
        break;
    }
  }

  private async init(module: string, options: unknown): Promise<TaskFn | null> {
    try {
      const mod = (await import(moduleUrl(module))) as { default?: unknown };
      if (typeof mod.default !== 'function') {
        throw new FanoutError('BAD_TASK_MODULE', `${module} has no default export function (the task factory)`);
      }
      const fn = (await (mod.default as (o: unknown) => unknown)(options)) as TaskFn;
      if (typeof fn !== 'function') throw new FanoutError('BAD_TASK_MODULE', `the task factory in ${module} did not return a function`);
      this.fn = fn;
      this.post({ t: 'ready' });
      return fn;
    } catch (err) {
      this.post({ t: 'init-failed', error: serializeError(err, 'WORKER_INIT_FAILED') });
      return null;
    }
  }

  private start(task: WireTask): void {
    const controller = new AbortController();
    this.running.set(task.id, controller);
    const ctx = { signal: controller.signal, attempt: task.attempt, index: task.index };
    const run = async () => {
      const fn = this.fn ?? (await this.ready);
      if (!fn) throw new FanoutError('WORKER_INIT_FAILED', 'task module failed to load');
      return fn(task.item, ctx);
    };
    run().then(
      (value) => this.settle({ id: task.id, kind: 'ok', value }),
      (err: unknown) =>
        this.settle(
          isRetryLater(err)
            ? { id: task.id, kind: 'retry', delayMs: err.delayMs, pauseKey: err.pauseKey, reason: err.message }
            : { id: task.id, kind: 'error', error: serializeError(err) },
        ),
    );
  }

  private settle(s: Settlement): void {
    this.running.delete(s.id);
    this.outbox.push(s);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.schedule(() => {
        this.flushScheduled = false;
        const settled = this.outbox;
        this.outbox = [];
        this.post({ t: 'results', settled });
      });
    }
  }

  private async close(): Promise<void> {
    try {
      const fn = this.fn ?? (this.ready ? await this.ready : null);
      await fn?.close?.();
    } finally {
      this.post({ t: 'closed' });
    }
  }
}
