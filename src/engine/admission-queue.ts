/**
 * Items that are waiting to be dispatched, one FIFO per key. `next` returns the oldest waiting item whose key
 * may start now, so a saturated or paused key never blocks the others (no head-of-line blocking). Keys are
 * kept in a min-heap by the index of their oldest item; a key found unavailable leaves the heap until `wake`.
 */
export interface Waiting {
  index: number;
  key: string;
}

interface HeapNode {
  key: string;
  index: number;
}

export class AdmissionQueue<E extends Waiting> {
  private readonly queues = new Map<string, E[]>();
  private readonly heap: HeapNode[] = [];
  private readonly inHeap = new Set<string>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  park(entry: E): void {
    let q = this.queues.get(entry.key);
    if (!q) this.queues.set(entry.key, (q = []));
    // Usually appended (input order); a retried item goes back in order.
    let at = q.length;
    while (at > 0 && q[at - 1]!.index > entry.index) at--;
    q.splice(at, 0, entry);
    this.count++;
    if (!this.inHeap.has(entry.key)) {
      this.inHeap.add(entry.key);
      this.push({ key: entry.key, index: q[0]!.index });
    } else if (at === 0) {
      this.push({ key: entry.key, index: entry.index }); // the old node goes stale
    }
  }

  /** The oldest waiting item among keys for which `available` is true, removed from the queue. */
  next(available: (key: string) => boolean): E | undefined {
    while (this.heap.length > 0) {
      const top = this.heap[0]!;
      const q = this.queues.get(top.key);
      if (!q || !this.inHeap.has(top.key) || q[0]!.index !== top.index) {
        this.pop(); // stale node
        continue;
      }
      this.pop();
      if (!available(top.key)) {
        this.inHeap.delete(top.key); // until wake(key)
        continue;
      }
      const entry = q.shift()!;
      this.count--;
      if (q.length > 0) this.push({ key: top.key, index: q[0]!.index });
      else {
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
    this.push({ key, index: q[0]!.index });
  }

  /** Empties the queue, returning what was waiting. */
  drain(): E[] {
    const all: E[] = [];
    for (const q of this.queues.values()) all.push(...q);
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
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && h[r]!.index < h[l]!.index ? r : l;
      if (h[c]!.index >= last.index) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
}
