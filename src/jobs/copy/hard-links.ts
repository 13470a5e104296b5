/**
 * Hard links, in walk order on the coordinator: workers hand back each regular file with nlink > 1 (its `linkKey`,
 * the source's dev:inode); the first occurrence of a group is copied, later ones are linked to its copy.
 */
import { BatchDirs, type DirCache } from './dir-ref.js';
import { processEntry, type EntryContext } from './entry.js';
import type { CopyRecord } from './record.js';
import type { FolderBatch } from './task.js';

/** A group's copy in DST: its directory (relative to DST) and name, reached like any entry (dir-ref.ts). */
interface LinkLeader {
  dir: string;
  name: string;
}

export class HardLinks {
  /** Each group's copy, by linkKey, once written (or found current). Only multiply-linked inodes are here. */
  private readonly leaders = new Map<string, LinkLeader>();

  constructor(private readonly ctx: EntryContext, private readonly srcDirs: DirCache, private readonly dstDirs: DirCache) {}

  /** The record of `rec` (a worker's record with a linkKey) once copied or linked here. */
  async resolve(rec: CopyRecord, item: FolderBatch): Promise<CopyRecord> {
    const key = rec.linkKey!;
    const name = rec.path.slice(item.dir ? item.dir.length + 1 : 0);
    const leader = this.leaders.get(key);
    const dirs = new BatchDirs(this.srcDirs, this.dstDirs, item.dir, item.locked);
    try {
      if (!leader) {
        const out = await processEntry(this.ctx, item, dirs, name, 'file', 'copy');
        if (out.ok && !this.leaders.has(key)) this.leaders.set(key, { dir: item.dir, name });
        return out;
      }
      const leaderDirs = new BatchDirs(this.srcDirs, this.dstDirs, leader.dir);
      try {
        return await processEntry(this.ctx, item, dirs, name, 'file', { leader: () => leaderDirs.dst().child(leader.name) });
      } finally {
        leaderDirs.release();
      }
    } finally {
      dirs.release();
    }
  }
}
