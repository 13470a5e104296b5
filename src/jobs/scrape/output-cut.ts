/**
 * The part of an -o file that holds whole records: what it held when opened and the writes that completed. A write
 * that fails (a full disk takes part of it, then refuses the rest) leaves a torn line; the file is cut back to its
 * whole records, so a reader of a stopped run's file sees only records (and --resume has nothing to cut).
 */
import type { FileHandle } from 'node:fs/promises';
import { stat, truncate } from 'node:fs/promises';

export class WholeWrites {
  private constructor(
    private readonly file: string,
    /** The regular file opened (device, inode), or null for what cannot be cut (a pipe, a device). */
    private readonly opened: { dev: number; ino: number } | null,
    private bytes: number,
  ) {}

  static async of(handle: FileHandle, file: string): Promise<WholeWrites> {
    const st = await handle.stat();
    return new WholeWrites(file, st.isFile() ? { dev: st.dev, ino: st.ino } : null, st.isFile() ? st.size : 0);
  }

  /** A write's callback that counts `text` once it is written whole. */
  counter(text: string): (err?: Error | null) => void {
    const size = Buffer.byteLength(text);
    return (err) => {
      if (!err) this.bytes += size;
    };
  }

  /** Cuts the file back to its whole records; a path that no longer names the file opened is left alone. */
  async cut(): Promise<void> {
    if (!this.opened) return;
    try {
      const st = await stat(this.file);
      if (st.dev !== this.opened.dev || st.ino !== this.opened.ino || st.size <= this.bytes) return;
      await truncate(this.file, this.bytes);
    } catch {
      // best effort: the torn line stays after the last whole record, and --resume cuts it
    }
  }
}
