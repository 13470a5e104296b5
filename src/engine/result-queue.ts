/**
 * An unbounded FIFO between the code that settles items (in completion order) and the single consumer that
 * writes them. Its length is bounded from outside: the coordinator admits no more than the reorder window, so
 * at most that many results can ever wait here. Read it with `for await`, or with `shift()` and `wait()` to
 * take everything that is ready without a promise per item.
 */
export class ResultQueue<T> implements AsyncIterable<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  private isClosed = false;
  private wake: (() => void) | null = null;

  get length(): number {
    return this.items.length - this.head;
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
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Resolves when an item is waiting or the queue is closed (at once if so already). One waiter at a time. */
  wait(): Promise<void> {
    if (this.head < this.items.length || this.isClosed) return Promise.resolve();
    return new Promise<void>((resolve) => (this.wake = resolve));
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.head < this.items.length) yield this.shift() as T;
      else if (this.isClosed) return;
      else await this.wait();
    }
  }
}
