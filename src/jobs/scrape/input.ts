/**
 * Reads the URL list: a file or `-` (stdin, read as it arrives), gzip-compressed or not (detected by its magic
 * bytes), one URL per line, or a CSV with a header row and `column` naming the URL column. Lazily: a list of
 * ten million lines is never held in memory.
 */
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { PassThrough, type Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { FanoutError } from '../../engine/errors.js';
import { CsvReader } from './csv.js';

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
  /** For tests: read this stream instead of stdin. */
  stdin?: Readable;
}

/** Opens the source as a byte stream, gunzipping when it starts with the gzip magic bytes. */
async function openSource(options: InputOptions): Promise<Readable> {
  const raw = options.source === '-' ? (options.stdin ?? process.stdin) : await openFile(options.source);
  return sniffGzip(raw);
}

async function openFile(path: string): Promise<Readable> {
  // Open first so a missing or unreadable file is a clear usage error before any work starts.
  try {
    const handle = await open(path, 'r');
    return handle.createReadStream({ highWaterMark: 256 * 1024 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FanoutError('INPUT_UNREADABLE', code === 'ENOENT' ? `input file not found: ${path}` : `cannot read ${path}: ${(err as Error).message}`);
  }
}

async function sniffGzip(raw: Readable): Promise<Readable> {
  const first = await new Promise<Buffer | null>((resolve, reject) => {
    const onReadable = () => {
      const chunk = raw.read() as Buffer | null;
      if (chunk === null && !raw.readableEnded) return; // spurious; wait for more
      cleanup();
      resolve(chunk);
    };
    const onEnd = () => (cleanup(), resolve(null));
    const onError = (e: Error) => (cleanup(), reject(e));
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
  raw.on('error', (e) => out.destroy(e));
  if (gz) target.on('error', (e) => out.destroy(new FanoutError('INPUT_UNREADABLE', `input is not valid gzip: ${e.message}`)));
  return out;
}

/** Text lines of a byte stream, without their line endings. */
async function* lines(stream: Readable): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream) {
    const text = rest + decoder.write(chunk as Buffer);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      yield text.slice(start, nl);
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest) yield rest;
}

/** A URL line: trimmed; blank lines and # comments are not items. */
function urlOf(line: string): string | null {
  const url = line.trim();
  return url === '' || url.startsWith('#') ? null : url;
}

export async function* readInput(options: InputOptions): AsyncGenerator<InputItem> {
  const stream = await openSource(options);
  try {
    if (options.column === undefined) {
      for await (const line of lines(stream)) {
        const url = urlOf(line);
        if (url !== null) yield { url };
      }
      return;
    }
    yield* csvItems(stream, options.column);
  } finally {
    stream.destroy();
  }
}

async function* csvItems(stream: Readable, column: string): AsyncGenerator<InputItem> {
  const reader = new CsvReader();
  const decoder = new StringDecoder('utf8');
  let header: string[] | null = null;
  let at = -1;
  const rowsOf = function* (rows: string[][]): Generator<InputItem> {
    for (const row of rows) {
      if (!header) {
        header = row.map((h) => h.trim());
        at = header.indexOf(column);
        if (at < 0) throw new FanoutError('INPUT_UNREADABLE', `CSV has no column '${column}' (columns: ${header.join(', ')})`);
        continue;
      }
      if (row.length === 1 && row[0]!.trim() === '') continue; // blank line
      const url = (row[at] ?? '').trim();
      const input: Record<string, string> = {};
      header.forEach((name, i) => {
        if (i !== at) input[name] = row[i] ?? '';
      });
      yield { url, input };
    }
  };
  // A BOM (Excel's "CSV UTF-8") goes before the reader sees it: left in, it hides a quoted first header ("url").
  let start = true;
  for await (const chunk of stream) {
    let text = decoder.write(chunk as Buffer);
    if (start && text !== '') {
      start = false;
      text = text.replace(/^\uFEFF/, '');
    }
    yield* rowsOf(reader.push(text));
  }
  yield* rowsOf(reader.push(decoder.end()));
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
