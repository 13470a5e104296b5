/**
 * Dispatch: the items the engine runs. For each directory the walk lists, planned first (dir-plan.ts), its
 * non-directory entries go out in batches of at most `batchSize`; a directory with none still sends one empty
 * batch, whose result brings the directory's own record back in walk order.
 */
import type { DirPlan, DirPlanner } from './dir-plan.js';
import type { RunStop } from './run-stop.js';
import type { CopyItem } from './task.js';
import type { DirListing } from './walk.js';

/** A directory's record and pending metadata, taken with the result of its first batch. */
export type DirHead = Pick<DirPlan, 'record' | 'pending'>;

/** Batches sent whose results are not taken yet, by item index (the order they were yielded in). */
export class InFlight {
  /** The head of each directory, under the index of its first batch. */
  private readonly heads = new Map<number, DirHead>();
  /** The directory of every batch not taken yet: swept for temps after a stop. */
  private readonly dirs = new Map<number, string>();

  sent(index: number, dir: string, head?: DirHead): void {
    this.dirs.set(index, dir);
    if (head) this.heads.set(index, head);
  }

  /** A batch's result is being taken: the head of its directory, if it is the directory's first batch. */
  taken(index: number): DirHead | undefined {
    this.dirs.delete(index);
    const head = this.heads.get(index);
    if (head) this.heads.delete(index);
    return head;
  }

  /** The directories of the batches still out. */
  dirsLeft(): Set<string> {
    return new Set(this.dirs.values());
  }
}

/** Steers `tree` by each plan (`next(descend)`, walk.ts) and yields the batches, until the run stops. */
export async function* batches(
  tree: AsyncGenerator<DirListing, void, boolean | undefined>, planner: DirPlanner, inFlight: InFlight, batchSize: number, stop: RunStop,
): AsyncGenerator<CopyItem> {
  let index = 0;
  try {
    for (let step = await tree.next(); !step.done && !stop.stopped; ) {
      const plan = planner.plan(step.value);
      if (!plan) return;
      const { entry, files } = plan;
      for (let i = 0; i === 0 || i < files.length; i += batchSize) {
        const chunk = files.slice(i, i + batchSize);
        inFlight.sent(index++, entry.dir, i === 0 ? { record: plan.record, pending: plan.pending } : undefined);
        yield { ...entry, names: chunk.map((f) => f.name), types: chunk.map((f) => f.type) };
        if (stop.fatal) return;
      }
      step = await tree.next(plan.descend);
    }
  } finally {
    await tree.return();
  }
}
