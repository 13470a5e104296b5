/**
 * An unbounded async FIFO between the code that settles items (in completion order) and the single consumer
 * that writes them. Its length is bounded from outside: the coordinator admits no more than the reorder
 * window, so at most that many results can ever wait here.
 */
export class ResultQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private head = 0;
  private closed = false;
  private wake: (() => void) | null = null;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    if (this.closed) throw new Error('push after close');
    this.items.push(item);
    this.notify();
  }

  close(): void {
    this.closed = true;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.head < this.items.length) {
        const item = this.items[this.head]!;
        this.items[this.head++] = undefined as T;
        if (this.head > 1024 && this.head * 2 > this.items.length) {
          this.items = this.items.slice(this.head);
          this.head = 0;
        }
        yield item;
      } else if (this.closed) {
        return;
      } else {
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    }
  }
}
