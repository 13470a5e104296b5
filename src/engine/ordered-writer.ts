/**
 * Emits results in input order (or in completion order when `ordered` is false). Results that arrive ahead of
 * the head wait in a buffer; the coordinator keeps that buffer bounded by admitting no item further than
 * `window` past `nextIndex`. Indices that will never come (cancelled items) are marked `skip`ped; in ordered
 * mode a skipped index ends the emitted prefix, so an interrupted run leaves a clean in-order prefix.
 */
export class OrderedWriter<T extends { index: number }> {
  private readonly buffer = new Map<number, T>();
  private next = 0;
  private emittedCount = 0;
  private maxBufferedSeen = 0;

  constructor(
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

  get buffered(): number {
    return this.buffer.size;
  }

  get maxBuffered(): number {
    return this.maxBufferedSeen;
  }

  async accept(result: T): Promise<void> {
    if (!this.ordered) {
      this.emittedCount++;
      await this.sink(result);
      return;
    }
    if (result.index < this.next || this.buffer.has(result.index)) {
      throw new Error(`result ${result.index} delivered twice`);
    }
    this.buffer.set(result.index, result);
    if (this.buffer.size > this.maxBufferedSeen) this.maxBufferedSeen = this.buffer.size;
    for (let r = this.buffer.get(this.next); r !== undefined; r = this.buffer.get(this.next)) {
      this.buffer.delete(this.next);
      this.next++;
      this.emittedCount++;
      await this.sink(r);
    }
  }

  /** Drops what can no longer be emitted in order; returns how many buffered results were discarded. */
  discardRest(): number {
    const n = this.buffer.size;
    this.buffer.clear();
    return n;
  }
}
