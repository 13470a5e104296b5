/**
 * `fanout copy -i` / `-v` output on stdout. Each record's line (itemize.ts) is added as the record comes, and the
 * lines go out in one write per turn of the event loop or per 64 KiB, never a write per entry (a system call
 * each). Lines are whole and in walk order: one producer, one stream. A full stdout holds the run back (the
 * records' promise, as for the dry-run plan); a stdout that fails (its reader left) stops the run as Ctrl-C would,
 * and `failure` says why. A live progress line on the same terminal is wiped before each write, so that no line is
 * drawn into it; it comes back on its next redraw.
 */
import type { CopyRecord } from '../jobs/copy/copy.js';
import { itemizeLine, verboseLine } from './itemize.js';
import { stdoutWriter, type StdoutWriter } from './stdout-writer.js';

const FLUSH_AT = 64 << 10;

export class ChangeLines {
  private text = '';
  private scheduled: NodeJS.Immediate | null = null;
  /** Settles once stdout takes more; never rejects (see `failure`). */
  private waiting: Promise<void> | undefined;
  /** Why stdout took no more lines (a FanoutError, the errno in its cause), or null. */
  failure: Error | null = null;
  /** Aborted when stdout fails: the run's signal. */
  readonly stopped = new AbortController();

  constructor(
    private readonly line: (r: CopyRecord) => string | null,
    private readonly out: StdoutWriter = stdoutWriter(),
    private readonly beforeWrite?: () => void,
  ) {}

  /** copy()'s onRecord. */
  readonly onRecord = (r: CopyRecord): Promise<void> | undefined => {
    const line = this.line(r);
    if (line !== null && !this.failure) {
      this.text += `${line}\n`;
      if (this.text.length >= FLUSH_AT) this.flush();
      else this.scheduled ??= setImmediate(() => this.flush());
    }
    return this.waiting;
  };

  /** Writes the lines not written yet. */
  flush(): Promise<void> | undefined {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    if (this.text === '' || this.failure) return this.waiting;
    const text = this.text;
    this.text = '';
    this.beforeWrite?.();
    const full = this.out.write(text);
    if (full) {
      const wait: Promise<void> = full.then(
        () => {
          if (this.waiting === wait) this.waiting = undefined;
        },
        (err: Error) => {
          this.failure ??= err;
          this.text = '';
          this.stopped.abort();
        },
      );
      this.waiting = wait;
    }
    return this.waiting;
  }
}

/**
 * The lines for `-i` given `itemize` times (twice: unchanged entries too) or `-v`; on a terminal also showing the
 * live progress (`live`), the progress line is wiped before each write.
 */
export function changeLines(itemize: number, live: boolean): ChangeLines {
  const line = itemize > 0 ? (r: CopyRecord) => itemizeLine(r, itemize > 1) : verboseLine;
  const shared = live && process.stderr.isTTY === true && process.stdout.isTTY === true;
  return new ChangeLines(line, stdoutWriter(), shared ? () => process.stderr.write('\r\x1b[K') : undefined);
}
