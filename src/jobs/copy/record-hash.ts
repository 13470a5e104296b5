/**
 * A sha256 over the run's records in walk order (path, type, action, outcome, bytes; never timings): equal for
 * two strategies that did the same thing to the same tree. It costs a string append per record and one hash
 * update per 64 KiB, where hashing the destination tree (what `fanout compare` does itself, untimed) would
 * read every byte again inside the timed run.
 */
import { createHash, type Hash } from 'node:crypto';
import type { CopyRecord } from './record.js';

const FLUSH_AT = 64 << 10;

export class RecordHash {
  private readonly hash: Hash = createHash('sha256');
  private pending = '';

  add(r: CopyRecord): void {
    this.pending += `${JSON.stringify(r.path)} ${r.type} ${r.action} ${r.ok ? 'ok' : r.error?.code} ${r.bytes}\n`;
    if (this.pending.length >= FLUSH_AT) this.flush();
  }

  digest(): string {
    this.flush();
    return this.hash.digest('hex');
  }

  private flush(): void {
    this.hash.update(this.pending);
    this.pending = '';
  }
}
