/**
 * Emits results in input order (or in completion order when `ordered` is false). Results that arrive ahead of
 * the head wait in a buffer; the coordinator keeps that buffer bounded by admitting no item further than
 * `window` past `nextIndex`. Indices that will never come (cancelled items) are simply never emitted; in ordered
 * mode the first missing index ends the emitted prefix, so an interrupted run leaves a clean in-order prefix.
 */
export class OrderedWriter<T extends { index: number }> {
  private readonly buffer = new Map<number, T>();
  private next = 0;
  private emittedCount = 0;
  private maxBufferedSeen = 0;
  private readonly emitBufferedBound = () => this.emitBuffered();

  constructor(
    /** Receives each result; a returned promise is awaited before the next result is emitted. */
    private readonly sink: (result: T) => void | Promise<void>,
    private readonly ordered = true,
  ) {}

  /** Index of the next result to emit in ordered mode. */
  get nextIndex(): number {
    return this.next;
  }

  get emitted(): number {
    return this.emittedCount;
  }

  /** Results waiting behind a missing earlier one. */
  get buffered(): number {
    return this.buffer.size;
  }

  get maxBuffered(): number {
    return this.maxBufferedSeen;
  }

  /**
   * Takes one settled result and emits whatever is now in order. Returns a promise only when the sink returned
   * one (await it before the next call); a synchronous sink costs no promise at all.
   */
  accept(result: T): void | Promise<void> {
    if (!this.ordered) {
      this.emittedCount++;
      return this.sink(result);
    }
    if (result.index !== this.next) {
      if (result.index < this.next || this.buffer.has(result.index)) {
        throw new Error(`result ${result.index} delivered twice`);
      }
      this.buffer.set(result.index, result);
      if (this.buffer.size > this.maxBufferedSeen) this.maxBufferedSeen = this.buffer.size;
      return;
    }
    this.next++;
    this.emittedCount++;
    const pending = this.sink(result);
    if (pending) return pending.then(this.emitBufferedBound);
    if (this.buffer.size > 0) return this.emitBuffered();
  }

  private emitBuffered(): void | Promise<void> {
    while (this.buffer.size > 0) {
      const r = this.buffer.get(this.next);
      if (r === undefined) return;
      this.buffer.delete(this.next);
      this.next++;
      this.emittedCount++;
      const pending = this.sink(r);
      if (pending) return pending.then(this.emitBufferedBound);
    }
  }

  /** Drops what can no longer be emitted in order; returns how many buffered results were discarded. */
  discardRest(): number {
    const n = this.buffer.size;
    this.buffer.clear();
    return n;
  }
}
