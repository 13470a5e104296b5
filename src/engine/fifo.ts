/**
 * A first-in, first-out queue on an array read from a moving head. `Array#shift` copies the whole array once it
 * is large (a queue of 16,000 waiting items made every take O(n)); here a take clears one slot, and the array is
 * compacted only when the read part is at least half of it, so each item is copied O(1) times on average.
 * The admission queue keeps one per key, the result queue one for all results.
 */
export class Fifo<T> {
  /** Slots before `head` are already taken (cleared to undefined so what they held can be collected). */
  private items: (T | undefined)[] = [];
  /** Position of the oldest item. */
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The oldest item, left in place; undefined when empty (so T should not include undefined). */
  peek(): T | undefined {
    return this.items[this.head];
  }

  /** The oldest item, removed; undefined when empty. */
  shift(): T | undefined {
    const items = this.items;
    if (this.head >= items.length) return undefined;
    const item = items[this.head];
    items[this.head++] = undefined;
    if (this.head === items.length) {
      items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /**
   * Puts `item` after the last item it does not go `before`, searching from the tail: an item that belongs at
   * the end (the usual case) costs one comparison. Returns its position from the head.
   */
  insert(item: T, before: (a: T, b: T) => boolean): number {
    const items = this.items;
    let at = items.length;
    while (at > this.head && before(item, items[at - 1] as T)) at--;
    if (at === items.length) items.push(item);
    else items.splice(at, 0, item);
    return at - this.head;
  }

  /** The waiting items, oldest first (a copy). */
  values(): T[] {
    return this.items.slice(this.head) as T[];
  }
}
