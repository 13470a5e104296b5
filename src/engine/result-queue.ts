/**
 * An unbounded FIFO between the code that settles items (in completion order) and the single consumer that
 * writes them. Its length is bounded from outside: the coordinator admits no more than the reorder window, so
 * at most that many results can ever wait here. Read it with `for await`, or with `shift()` and `wait()` to
 * take everything that is ready without a promise per item.
 */
import { Fifo } from './fifo.js';

export class ResultQueue<T> implements AsyncIterable<T> {
  private readonly items = new Fifo<T>();
  private isClosed = false;
  /** Resolves the consumer's pending `wait()`; null when it is not waiting. */
  private wake: (() => void) | null = null;

  get length(): number {
    return this.items.length;
  }

  /** True once `close()` was called (items may still be waiting). */
  get closed(): boolean {
    return this.isClosed;
  }

  push(item: T): void {
    if (this.isClosed) throw new Error('push after close');
    this.items.push(item);
    if (this.wake) this.notify();
  }

  close(): void {
    this.isClosed = true;
    this.notify();
  }

  /** The oldest waiting item, removed; undefined when none waits (so T should not include undefined). */
  shift(): T | undefined {
    return this.items.shift();
  }

  /** Resolves when an item is waiting or the queue is closed (at once if so already). One waiter at a time. */
  wait(): Promise<void> {
    if (this.items.length > 0 || this.isClosed) return Promise.resolve();
    return new Promise<void>((resolve) => (this.wake = resolve));
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.items.length > 0) yield this.items.shift() as T;
      else if (this.isClosed) return;
      else await this.wait();
    }
  }
}
