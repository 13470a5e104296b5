/**
 * Reads the URL list: a file or `-` (stdin, read as it arrives), gzip-compressed or not (detected by its magic
 * bytes), one URL per line, or a CSV with a header row and `column` naming the URL column. Lazily: a list of
 * ten million lines is never held in memory.
 */
import { fstatSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { PassThrough, type Readable } from 'node:stream';
import { FanoutError } from '../../engine/errors.js';
import { CsvReader } from './csv.js';
import { fsErrorWords } from './fs-words.js';
import { textOf } from './input-text.js';

export interface InputItem {
  url: string;
  /** CSV input: the row's other fields, by header name. */
  input?: Record<string, string>;
}

export interface InputOptions {
  /** A path, or '-' for stdin. */
  source: string;
  /** CSV mode: the header name of the URL column. */
  column?: string;
  /** CSV mode: called with the header's names but the URL column, once read (before the first row, if any). */
  onColumns?: (columns: string[]) => void;
  /** For tests: read this stream instead of stdin. */
  stdin?: Readable;
}

/** How the list is named in errors. */
export function inputName(source: string): string {
  return source === '-' ? 'stdin' : source;
}

/** Opens the source as a byte stream, gunzipping when it starts with the gzip magic bytes. */
async function openSource(options: InputOptions): Promise<Readable> {
  if (options.source === '-' && !options.stdin && stdinIsDirectory()) throw unreadable('stdin', Object.assign(new Error('EISDIR'), { code: 'EISDIR' }));
  const raw = options.source === '-' ? (options.stdin ?? process.stdin) : await openFile(options.source);
  return sniffGzip(raw, inputName(options.source));
}

/** `fanout scrape - < dir`: Node reads a directory on fd 0 as an empty list, which would be a silent empty run. */
function stdinIsDirectory(): boolean {
  try {
    return fstatSync(0).isDirectory();
  } catch {
    return false;
  }
}

/** What went wrong with the list, in words, with its path: never a bare "EISDIR: illegal operation". */
export function unreadable(name: string, err: unknown): FanoutError {
  if (err instanceof FanoutError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'EISDIR' ? 'it is a directory, not a list of URLs' : fsErrorWords(err);
  return new FanoutError('INPUT_UNREADABLE', code === 'ENOENT' ? `input file not found: ${name}` : `cannot read ${name}: ${why}`, { cause: err });
}

async function openFile(path: string): Promise<Readable> {
  // Open (and look at) first so a missing or unreadable file is a clear usage error before any work starts.
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw unreadable(path, err);
  }
  const isDir = await handle.stat().then((st) => st.isDirectory(), () => false);
  if (isDir) {
    await handle.close();
    throw unreadable(path, Object.assign(new Error('EISDIR'), { code: 'EISDIR' }));
  }
  return handle.createReadStream({ highWaterMark: 256 * 1024 });
}

async function sniffGzip(raw: Readable, name: string): Promise<Readable> {
  const first = await new Promise<Buffer | null>((resolve, reject) => {
    const onReadable = () => {
      const chunk = raw.read() as Buffer | null;
      if (chunk === null && !raw.readableEnded) return; // spurious; wait for more
      cleanup();
      resolve(chunk);
    };
    const onEnd = () => (cleanup(), resolve(null));
    const onError = (e: Error) => (cleanup(), reject(unreadable(name, e)));
    const cleanup = () => {
      raw.off('readable', onReadable);
      raw.off('end', onEnd);
      raw.off('error', onError);
    };
    raw.on('readable', onReadable);
    raw.on('end', onEnd);
    raw.on('error', onError);
  });
  const out = new PassThrough({ highWaterMark: 256 * 1024 });
  if (first === null) {
    out.end();
    return out;
  }
  const gz = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
  const target = gz ? createGunzip() : out;
  if (gz) target.pipe(out).on('error', () => {});
  target.write(first);
  raw.pipe(target);
  raw.on('error', (e) => out.destroy(unreadable(name, e)));
  if (gz) target.on('error', (e) => out.destroy(new FanoutError('INPUT_UNREADABLE', `${name} is not valid gzip: ${e.message}`)));
  return out;
}

/** Text lines, without their line endings. */
async function* lines(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of chunks) {
    const text = rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      yield text.slice(start, nl);
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  if (rest) yield rest;
}

/** A URL line: trimmed; blank lines and # comments are not items. */
function urlOf(line: string): string | null {
  const url = line.trim();
  return url === '' || url.startsWith('#') ? null : url;
}

export async function* readInput(options: InputOptions): AsyncGenerator<InputItem> {
  const name = inputName(options.source);
  const stream = await openSource(options);
  try {
    if (options.column === undefined) {
      for await (const line of lines(textOf(stream, name))) {
        const url = urlOf(line);
        if (url !== null) yield { url };
      }
      return;
    }
    yield* csvItems(textOf(stream, name), options.column, options.onColumns);
  } finally {
    stream.destroy();
  }
}

async function* csvItems(chunks: AsyncIterable<string>, column: string, onColumns?: (columns: string[]) => void): AsyncGenerator<InputItem> {
  const reader = new CsvReader();
  let header: string[] | null = null;
  let at = -1;
  const rowsOf = function* (rows: string[][]): Generator<InputItem> {
    for (const row of rows) {
      if (!header) {
        header = row.map((h) => h.trim());
        at = header.indexOf(column);
        if (at < 0) throw new FanoutError('INPUT_UNREADABLE', `CSV has no column '${column}' (columns: ${header.join(', ')})`);
        onColumns?.(header.filter((_, i) => i !== at));
        continue;
      }
      if (row.length === 1 && row[0]!.trim() === '') continue; // blank line
      const url = (row[at] ?? '').trim();
      // No prototype: a column named __proto__ is a field like any other, not the object's prototype.
      const input: Record<string, string> = Object.create(null);
      header.forEach((name, i) => {
        if (i !== at) input[name] = row[i] ?? '';
      });
      yield { url, input };
    }
  };
  // textOf drops a BOM (Excel's "CSV UTF-8"): left in, it would hide a quoted first header ("url").
  for await (const text of chunks) yield* rowsOf(reader.push(text));
  yield* rowsOf(reader.end());
  if (!header) throw new FanoutError('INPUT_UNREADABLE', 'CSV input is empty: it needs a header row');
}

/** Counts the items of a file input (for progress and ETA); null for stdin. */
export async function countInput(options: InputOptions): Promise<number | null> {
  if (options.source === '-') return null;
  let n = 0;
  for await (const _ of readInput(options)) n++;
  return n;
}
