/**
 * Writes scrape records as JSON Lines, CSV or a JSON array, to stdout or a file. Whole records are gathered into
 * one write per turn of the event loop (or per 64 KiB), so a line is never torn and a fast run does not pay a
 * write call per record; 'drain' is awaited, so a slow disk or pipe pauses the run. A failed write (a full disk,
 * a closed pipe) fails the next record's write, which stops the run: nothing more is fetched for nobody.
 */
import { createWriteStream, fstatSync, type Stats, type WriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { FanoutError } from '../../engine/errors.js';
import { diskStopCode } from '../../util/disk-stop.js';
import { errorReason } from '../../util/error-reason.js';
import type { Writable } from 'node:stream';
import { csvLine } from './csv.js';
import { WholeWrites } from './output-cut.js';
import type { OutputFormat } from './output-format.js';
import type { ScrapeRecord } from './record.js';

export { OUTPUT_FORMATS, type OutputFormat } from './output-format.js';

/** Gathered output is written once it reaches this many characters, or at the end of the event-loop turn. */
const FLUSH_AT = 64 * 1024;

const BASE_COLUMNS = ['index', 'url', 'finalUrl', 'ok', 'status', 'contentType', 'bytes', 'title', 'description', 'attempts', 'ms', 'errorCode', 'errorMessage'] as const;

export interface RecordSink {
  write(record: ScrapeRecord): Promise<void>;
  close(): Promise<void>;
}

export interface OutputOptions {
  format: OutputFormat;
  /** A file path, or null for stdout. */
  file: string | null;
  /** Append to the file (resume) instead of replacing it. */
  append?: boolean;
  /** CSV: the header was already written (resume). */
  headerWritten?: boolean;
  /** CSV: that header's columns, which the appended rows must have. */
  header?: string[];
  /** CSV: the selector names, in order, for data.* columns. */
  selectorNames: string[];
  links: boolean;
  save: boolean;
}

/**
 * Opens the file before anything runs, so a missing folder or an unwritable path is one clear error before the
 * first request, not after the whole list was fetched.
 */
export async function openOutput(options: OutputOptions): Promise<RecordSink> {
  const handle = options.file ? await openFile(options.file, options.append ? 'a' : 'w') : null;
  const whole = handle ? await WholeWrites.of(handle, options.file!) : null;
  const stream: Writable = handle ? createWriteStream(options.file!, { fd: handle }) : process.stdout;
  const toText = formatter(options);
  let first = true;
  let failed: Error | null = null;
  // A full or read-only disk says so in the code as everywhere else; the errno stays in `cause` (EPIPE: the reader left).
  // Also for an error that reaches end()'s callback before the 'error' event (the first one, kept in `errored`).
  const failure = (e: NodeJS.ErrnoException) => new FanoutError(diskStopCode(e) ?? 'OUTPUT_FAILED', `cannot write ${options.file ?? 'stdout'}: ${errorReason(e)}`, { cause: e });
  stream.on('error', (e: NodeJS.ErrnoException) => (failed ??= failure(e)));
  // True while a write waits for 'drain': the next record's write waits too, so a stalled reader stalls the run.
  let full = false;
  const put = async (text: string) => {
    if (failed) throw failed;
    if (!(whole ? stream.write(text, whole.counter(text)) : stream.write(text))) {
      full = true;
      await drained(stream).catch((e: Error) => Promise.reject(failed ?? e)).finally(() => (full = false));
    }
    if (failed) throw failed;
  };
  let pending = '';
  let flushScheduled = false;
  // One write at a time, in order: each waits for the previous one's 'drain'.
  let writing: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    if (pending !== '') {
      const text = pending;
      pending = '';
      writing = writing.then(() => put(text));
    }
    return writing;
  };
  const flushSoon = () => {
    flushScheduled = false;
    flush().catch((e: Error) => (failed ??= e));
  };
  return {
    async write(record) {
      if (failed) throw failed;
      pending += toText(record, first);
      first = false;
      if (pending.length >= FLUSH_AT || full) await flush();
      else if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushSoon);
      }
    },
    async close() {
      try {
        if (failed && stream !== process.stdout) stream.destroy();
        await flush();
        if (options.format === 'json') await put(first ? '[]\n' : '\n]\n');
        else if (options.format === 'csv' && first && !options.headerWritten) await put(csvLine(csvColumns(options, [])));
        if (stream !== process.stdout) {
          await new Promise<void>((resolve, reject) => (stream as WriteStream).end((e?: Error | null) => (e ? reject((failed ??= failure(stream.errored ?? e))) : resolve())));
        }
      } catch (err) {
        if (failed) await whole?.cut(); // a failed write tore the last line
        throw err;
      }
    },
  };
}

/**
 * Refuses an output that is the input (through any path or link, /dev/stdin and /proc/self/fd/0 included, or a
 * stdout redirected onto the input file): writing would truncate the list before it is read, or feed the records
 * back in as input, and --resume would cut it to nothing as a "torn" file. Compared by (device, inode); a
 * terminal or /dev/null as both ends is not a list being overwritten. `stdinIsFd0` is false when a test hands
 * scrape() a stream for `-`.
 */
export async function refuseInputAsOutput(input: string, output: string | null, stdinIsFd0 = true): Promise<void> {
  const from = input === '-' ? (stdinIsFd0 ? fdStat(0) : null) : await stat(input).catch(() => null);
  if (!from || !(from.isFile() || from.isFIFO())) return;
  const to = output === null ? fdStat(1) : await stat(output).catch(() => null);
  if (!to || to.dev !== from.dev || to.ino !== from.ino) return;
  const what = output === null ? 'stdout' : `-o ${output}`;
  const list = input === '-' ? `the input (stdin is that ${from.isFile() ? 'file' : 'pipe'})` : 'the input file';
  throw new FanoutError('USAGE', `${what} is ${list}: writing to it would destroy the URL list`);
}

function fdStat(fd: number): Stats | null {
  try {
    return fstatSync(fd);
  } catch {
    return null;
  }
}

async function openFile(file: string, flags: 'a' | 'w') {
  try {
    return await open(file, flags);
  } catch (err) {
    throw new FanoutError('OUTPUT_UNWRITABLE', `cannot write ${file}: ${errorReason(err)}`, { cause: err });
  }
}

function formatter(options: OutputOptions): (r: ScrapeRecord, first: boolean) => string {
  switch (options.format) {
    case 'jsonl':
      return (r) => JSON.stringify(r) + '\n';
    case 'json':
      return (r, first) => (first ? '[\n' : ',\n') + JSON.stringify(r);
    case 'csv': {
      let columns: string[] | null = null;
      return (r, first) => {
        const inputNames = r.input ? Object.keys(r.input) : [];
        if (!columns) {
          columns = csvColumns(options, inputNames);
          // Rows of other columns appended under the old header would shift every field after the first difference.
          if (options.header && options.header.join(',') !== columns.join(',')) {
            throw new FanoutError('RESUME_MISMATCH', `the file's CSV columns (${options.header.join(',')}) are not this run's (${columns.join(',')}): resume with the same --select/--attr/--links/--save/--column as the first run`);
          }
        }
        const head = first && !options.headerWritten ? csvLine(columns) : '';
        return head + csvLine(csvRow(r, options, inputNames));
      };
    }
  }
}

/** CSV columns: the record's fields, data.<name> per selector, links, savedAs, then the input row's own columns. */
export function csvColumns(options: OutputOptions, inputNames: string[]): string[] {
  return [
    ...BASE_COLUMNS,
    ...options.selectorNames.map((n) => `data.${n}`),
    ...(options.links ? ['links'] : []),
    ...(options.save ? ['savedAs'] : []),
    ...inputNames,
  ];
}

function csvRow(r: ScrapeRecord, options: OutputOptions, inputNames: string[]): unknown[] {
  return [
    r.index, r.url, r.finalUrl, r.ok, r.status, r.contentType, r.bytes, r.title, r.description, r.attempts, r.ms,
    r.error?.code ?? null, r.error?.message ?? null,
    ...options.selectorNames.map((n) => r.data?.[n] ?? null),
    ...(options.links ? [r.links ?? []] : []),
    ...(options.save ? [r.savedAs ?? null] : []),
    ...inputNames.map((n) => r.input?.[n] ?? ''),
  ];
}

/** Resolves on 'drain', rejects on 'error', and leaves no listener behind either way. */
function drained(stream: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      stream.off('drain', onDrain);
      stream.off('error', done);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    stream.on('drain', onDrain);
    stream.on('error', done);
  });
}
