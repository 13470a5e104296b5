/**
 * Items that are waiting to be dispatched, one FIFO per key. `next` returns the oldest waiting item whose key
 * may start now, so a saturated or paused key never blocks the others (no head-of-line blocking). Keys are
 * kept in a min-heap by the index of their oldest item; a key found unavailable leaves the heap until `wake`.
 */
import { Fifo } from './fifo.js';

export interface Waiting {
  index: number;
  key: string;
}

interface HeapNode {
  key: string;
  index: number;
}

/** Orders a key's FIFO by input index, so a retried item goes back to its place. */
const earlier = (a: Waiting, b: Waiting): boolean => a.index < b.index;

export class AdmissionQueue<E extends Waiting> {
  private readonly queues = new Map<string, Fifo<E>>();
  private readonly heap: HeapNode[] = [];
  private readonly inHeap = new Set<string>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  park(entry: E): void {
    let q = this.queues.get(entry.key);
    if (!q) this.queues.set(entry.key, (q = new Fifo<E>()));
    this.count++;
    const at = q.insert(entry, earlier);
    if (!this.inHeap.has(entry.key)) {
      this.inHeap.add(entry.key);
      this.push({ key: entry.key, index: q.peek()!.index });
    } else if (at === 0) {
      this.push({ key: entry.key, index: entry.index }); // the old node goes stale
    }
  }

  /** The oldest waiting item among keys for which `available` is true, removed from the queue. */
  next(available: (key: string) => boolean): E | undefined {
    const h = this.heap;
    while (h.length > 0) {
      const top = h[0]!;
      const q = this.queues.get(top.key);
      if (!q || q.peek()!.index !== top.index || !this.inHeap.has(top.key)) {
        this.pop(); // stale node
        continue;
      }
      if (!available(top.key)) {
        this.pop();
        this.inHeap.delete(top.key); // until wake(key)
        continue;
      }
      const entry = q.shift()!;
      this.count--;
      if (q.length > 0) {
        top.index = q.peek()!.index; // the key stays: reuse its node and let it sink to its new place
        this.siftDown(top);
      } else {
        this.pop();
        this.queues.delete(top.key);
        this.inHeap.delete(top.key);
      }
      return entry;
    }
    return undefined;
  }

  /** A key may have become available (a slot was released, a pause ended): consider it again. */
  wake(key: string): void {
    const q = this.queues.get(key);
    if (!q || this.inHeap.has(key)) return;
    this.inHeap.add(key);
    this.push({ key, index: q.peek()!.index });
  }

  /** Empties the queue, returning what was waiting. */
  drain(): E[] {
    const all: E[] = [];
    for (const q of this.queues.values()) for (const e of q.values()) all.push(e);
    this.queues.clear();
    this.inHeap.clear();
    this.heap.length = 0;
    this.count = 0;
    return all;
  }

  private push(node: HeapNode): void {
    const h = this.heap;
    h.push(node);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.index <= node.index) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = node;
  }

  private pop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length > 0) this.siftDown(last);
  }

  /** Places `node` at the root and moves it down to where it belongs. */
  private siftDown(node: HeapNode): void {
    const h = this.heap;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && h[r]!.index < h[l]!.index ? r : l;
      if (h[c]!.index >= node.index) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = node;
  }
}
