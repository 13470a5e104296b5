/**
 * Dispatch: the items the engine runs. For each directory the walk lists, planned first (dir-plan.ts), its
 * non-directory entries go out in batches of at most `batchSize`; a directory with none still sends one empty
 * batch, whose result brings the directory's own record back in walk order. Consecutive small batches travel as one
 * item (task.ts), up to `batchSize` entries and MAX_FOLDERS batches in all.
 */
import type { DirPlan, DirPlanner } from './dir-plan.js';
import type { RunStop } from './run-stop.js';
import type { CopyItem, FolderBatch } from './task.js';
import type { DirListing } from './walk.js';

/** Folder batches in one item at most: a tree of empty folders still dispatches as it walks. */
const MAX_FOLDERS = 32;

/** A directory's record and pending metadata, taken with the result of its first batch. */
export type DirHead = Pick<DirPlan, 'record' | 'pending'>;

/** What an item's folder batch needs when its result is taken. */
interface Sent {
  dir: string;
  /** The directory's head, with its first batch. */
  head?: DirHead;
}

/** Items sent whose results are not taken yet, by item index (the order they were yielded in). */
export class InFlight {
  private readonly items = new Map<number, Sent[]>();

  sent(index: number, batches: Sent[]): void {
    this.items.set(index, batches);
  }

  /** An item's result is being taken: each of its folder batches' directory and head, in the item's order. */
  taken(index: number): Sent[] {
    const batches = this.items.get(index) ?? [];
    this.items.delete(index);
    return batches;
  }

  /** The directories of the items still out. */
  dirsLeft(): Set<string> {
    const dirs = new Set<string>();
    for (const batches of this.items.values()) for (const b of batches) dirs.add(b.dir);
    return dirs;
  }
}

/** Steers `tree` by each plan (`next(descend)`, walk.ts) and yields the items, until the run stops. */
export async function* batches(
  tree: AsyncGenerator<DirListing, void, boolean | undefined>, planner: DirPlanner, inFlight: InFlight, batchSize: number, stop: RunStop,
): AsyncGenerator<CopyItem> {
  let index = 0;
  let item: CopyItem = [];
  let sent: Sent[] = [];
  let entries = 0;
  const take = (): CopyItem => {
    inFlight.sent(index++, sent);
    const out = item;
    item = [];
    sent = [];
    entries = 0;
    return out;
  };
  try {
    for (let step = await tree.next(); !step.done && !stop.stopped; ) {
      const plan = planner.plan(step.value);
      if (!plan) return;
      const { entry, files } = plan;
      for (let i = 0; i === 0 || i < files.length; i += batchSize) {
        const chunk = files.slice(i, i + batchSize);
        if (item.length > 0 && (entries + chunk.length > batchSize || item.length >= MAX_FOLDERS)) {
          yield take();
          if (stop.fatal) return;
        }
        const batch: FolderBatch = { ...entry, names: chunk.map((f) => f.name), types: chunk.map((f) => f.type) };
        item.push(batch);
        sent.push(i === 0 ? { dir: entry.dir, head: { record: plan.record, pending: plan.pending } } : { dir: entry.dir });
        entries += chunk.length;
      }
      step = await tree.next(plan.descend);
    }
    if (item.length > 0 && !stop.stopped) yield take();
  } finally {
    await tree.return();
  }
}
