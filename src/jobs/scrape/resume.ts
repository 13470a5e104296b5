/**
 * --resume: reads what an earlier (interrupted or killed) run wrote to the output file, cuts off a torn last
 * line, and says which input indices are done, so the rest can be appended and the finished file equals an
 * uninterrupted run's.
 */
import { open, truncate } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { FanoutError } from '../../engine/errors.js';
import { CsvReader } from './csv.js';
import { fsErrorWords } from './fs-words.js';
import type { OutputFormat } from './output.js';

export interface ResumeState {
  /** Input indices that already have a record. */
  done: IndexSet;
  /** The file exists and holds a CSV header already. */
  headerWritten: boolean;
  /** That header's columns. */
  header?: string[];
  /** Records already there that are not ok: they count towards the exit code like the run's own. */
  failed: number;
  /**
   * The URLs of the file's first and last records, by index: the input must give the same URLs at those
   * indices, or the file was written for another list and appending to it would mix two runs.
   */
  urls: Map<number, string>;
}

/** A growable bitset: a million indices cost 125 KB. */
export class IndexSet {
  private bits = new Uint8Array(1024);
  size = 0;
  add(i: number): void {
    if (i >> 3 >= this.bits.length) {
      const grown = new Uint8Array(Math.max(this.bits.length * 2, (i >> 3) + 1));
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (i & 7);
    if (!(this.bits[i >> 3]! & mask)) this.size++;
    this.bits[i >> 3]! |= mask;
  }
  has(i: number): boolean {
    return i >> 3 < this.bits.length && (this.bits[i >> 3]! & (1 << (i & 7))) !== 0;
  }
}

export async function readResumeState(file: string, format: OutputFormat): Promise<ResumeState> {
  if (format === 'json') throw new FanoutError('USAGE', '--resume needs --format jsonl or csv (a JSON array cannot be appended to)');
  const done = new IndexSet();
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { done, headerWritten: false, failed: 0, urls: new Map() };
    throw new FanoutError('USAGE', `cannot read ${file} to resume it: ${fsErrorWords(err)}`);
  }
  const isDir = await handle.stat().then((st) => st.isDirectory(), () => false);
  await handle.close();
  if (isDir) throw new FanoutError('USAGE', `cannot resume ${file}: it is a directory, not an output file`);
  let goodBytes = 0; // bytes up to the end of the last complete, parseable record
  let headerWritten = false;
  let header: string[] | undefined;
  let failed = 0;
  const urls = new Map<number, string>();
  let last: [number, string] | null = null;
  const seen = (i: number, url: unknown) => {
    if (typeof url !== 'string') return;
    if (urls.size === 0) urls.set(i, url);
    last = [i, url];
  };
  const decoder = new StringDecoder('utf8');
  const csv = new CsvReader();
  let pending = '';
  let offset = 0;
  let lineNo = 0;
  /**
   * Records one index: a file that holds an index twice, or one that no record can have, was not written by one
   * fanout run (edited, concatenated, another tool's): appending to it would finish with a duplicated record.
   */
  const hold = (i: number): void => {
    if (done.has(i)) throw notOurs(file, format, `line ${lineNo} repeats index ${i}`);
    done.add(i);
  };
  const take = (line: string, endOffset: number): boolean => {
    if (format === 'jsonl') {
      let rec: { index?: unknown; ok?: unknown; url?: unknown };
      try {
        rec = JSON.parse(line) as typeof rec;
      } catch {
        return false;
      }
      if (rec === null || typeof rec !== 'object' || !('index' in rec)) return false;
      if (!isIndex(rec.index)) throw notOurs(file, format, `line ${lineNo} has index ${JSON.stringify(rec.index)}, not a whole number from 0`);
      hold(rec.index);
      seen(rec.index, rec.url);
      if (rec.ok !== true) failed++;
    } else {
      // CSV rows may hold quoted newlines: feed physical lines; a completed row ends here.
      const rows = csv.push(line + '\n');
      for (const row of rows) {
        if (!headerWritten) {
          headerWritten = row[0] === 'index';
          if (!headerWritten) return false;
          header = row;
          continue;
        }
        if (!/^\d{1,10}$/.test(row[0] ?? '') || !isIndex(Number(row[0]))) throw notOurs(file, format, `line ${lineNo} has index ${JSON.stringify(row[0] ?? '')}, not a whole number from 0`);
        const i = Number(row[0]);
        hold(i);
        seen(i, row[1]);
        if (row[3] !== 'true') failed++; // the ok column
      }
      if (rows.length === 0) return true; // inside a quoted field: not a boundary yet
    }
    goodBytes = endOffset;
    return true;
  };
  for await (const chunk of createReadStream(file)) {
    const text = pending + decoder.write(chunk as Buffer);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const line = text.slice(start, nl);
      offset += Buffer.byteLength(line) + 1;
      lineNo++;
      // A kill tears only the last write, and every whole line before the tear is a record: a whole line that
      // is not one means this is not our file (another list, notes, the wrong --format). Nothing is cut.
      if (!take(line, offset)) throw notOurs(file, format, `line ${lineNo} is not a record`);
      start = nl + 1;
    }
    pending = text.slice(start);
  }
  // Whatever follows the last complete record (a torn line) is cut off before appending, once it looks like one.
  if (!(await looksTorn(file, goodBytes, format, headerWritten))) throw notOurs(file, format, 'its last line is not a record');
  await truncate(file, goodBytes);
  if (last) urls.set(...(last as [number, string]));
  return { done, headerWritten, header, failed, urls };
}

/** Beyond any list fanout is given; it also bounds the IndexSet a forged file could make us allocate (256 MB). */
const MAX_INDEX = 2 ** 31 - 1;

/** An index a record can have: a whole number from 0, small enough to be a position in a list. */
function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_INDEX;
}

function notOurs(file: string, format: OutputFormat, why: string): FanoutError {
  return new FanoutError('RESUME_MISMATCH', `${file} is not a ${format} file of fanout records (${why}): not resuming it, nothing cut`);
}

/**
 * Whether the bytes after the last whole record are the start of a record cut short: how each record begins
 * (or a run of NUL bytes, what some file systems leave after a power cut).
 */
async function looksTorn(file: string, from: number, format: OutputFormat, headerWritten: boolean): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(16), 0, 16, from);
    if (bytesRead === 0) return true;
    const head = buffer.subarray(0, bytesRead).toString('latin1');
    if (/^\0+$/.test(head)) return true;
    const start = format === 'jsonl' ? '{"index":' : headerWritten ? null : 'index,';
    if (start === null) return /^\d/.test(head);
    return head.startsWith(start) || start.startsWith(head);
  } finally {
    await handle.close();
  }
}

/** Checks an input line against what the resumed file holds for its index (see ResumeState.urls). */
export function checkResumedUrl(state: ResumeState, file: string, index: number, url: string): void {
  const held = state.urls.get(index);
  if (held !== undefined && held !== url) {
    throw new FanoutError(
      'RESUME_MISMATCH',
      `${file} holds ${JSON.stringify(held.slice(0, 200))} as record ${index}, but the input's URL ${index} is ${JSON.stringify(url.slice(0, 200))}: it was written for another input`,
    );
  }
}
