/**
 * A gzip body decoder that knows where each gzip member ends, which node:zlib's Gunzip does not say: a body must
 * hold at least one complete member (header, deflate stream, checksum trailer), so one cut short is an error;
 * further members are read (RFC 1952 allows several); bytes after the last complete member that do not start
 * another (NUL padding, a stray newline, a server's debug output) are ignored, as browsers ignore them.
 * Node's Gunzip would read such bytes as the header of a next member and fail the whole body.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { crc32, createInflateRaw, type InflateRaw } from 'node:zlib';

/** A header this long is no HTTP body's (names and comments are a few bytes): refused rather than buffered. */
const MAX_HEADER = 64 * 1024;

const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;

/** The length of the gzip member header at the start of `b`, 0 when more bytes are needed, -1 when it is none. */
function headerLength(b: Buffer): number {
  if (b.length >= 1 && b[0] !== 0x1f) return -1;
  if (b.length >= 2 && b[1] !== 0x8b) return -1;
  if (b.length >= 3 && b[2] !== 8) return -1; // the only compression method there is: deflate
  if (b.length < 10) return 0;
  const flags = b[3]!;
  let at = 10;
  if (flags & FEXTRA) {
    if (b.length < at + 2) return 0;
    at += 2 + b.readUInt16LE(at);
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    const nul = b.indexOf(0, at);
    if (nul < 0) return 0;
    at = nul + 1;
  }
  if (flags & FHCRC) at += 2;
  return b.length >= at ? at : 0;
}

/** Errors carry zlib-like codes, so the caller words them as it words Node's: Z_BUF_ERROR is "cut short". */
function gzipError(message: string, code: 'Z_BUF_ERROR' | 'Z_DATA_ERROR'): Error {
  return Object.assign(new Error(message), { code });
}

export class GzipDecoder extends Transform {
  /** 'header' (of member `members`), 'deflate', 'trailer', 'between' (after a complete member), 'ignore'. */
  private state: 'header' | 'deflate' | 'trailer' | 'between' | 'ignore' = 'header';
  private pending: Buffer = Buffer.alloc(0);
  private inflater: InflateRaw | null = null;
  private fed = 0; // bytes written to this member's inflater
  private crc = 0;
  private size = 0;
  private members = 0; // complete members so far

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.feed(chunk).then(() => cb(), cb);
  }

  override _flush(cb: TransformCallback): void {
    this.finish().then(() => cb(), cb);
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.inflater?.destroy();
    cb(err);
  }

  private async feed(chunk: Buffer): Promise<void> {
    let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    while (data.length > 0) {
      switch (this.state) {
        case 'ignore':
          return;
        case 'between':
          // Another member, or the end of what the body means: whatever else follows is not read.
          if (data[0] !== 0x1f || (data.length >= 2 && data[1] !== 0x8b)) return void (this.state = 'ignore');
          this.state = 'header';
          continue;
        case 'header': {
          const n = headerLength(data);
          if (n < 0) {
            if (this.members > 0) return void (this.state = 'ignore');
            throw gzipError('incorrect header check (not gzip)', 'Z_DATA_ERROR');
          }
          if (n === 0) {
            if (data.length > MAX_HEADER) throw gzipError('gzip header too long', 'Z_DATA_ERROR');
            this.pending = data;
            return;
          }
          this.startMember();
          data = data.subarray(n);
          continue;
        }
        case 'deflate':
          data = await this.inflate(data);
          continue;
        case 'trailer':
          if (data.length < 8) {
            this.pending = data;
            return;
          }
          this.checkTrailer(data);
          data = data.subarray(8);
          continue;
      }
    }
  }

  private startMember(): void {
    const inflater = createInflateRaw();
    inflater.on('data', (out: Buffer) => {
      this.crc = crc32(out, this.crc);
      this.size = (this.size + out.length) >>> 0;
      this.push(out);
    });
    this.inflater = inflater;
    this.fed = 0;
    this.crc = 0;
    this.size = 0;
    this.state = 'deflate';
  }

  /**
   * Feeds the member's deflate stream; returns the bytes after its end once it ended (node:zlib stops consuming
   * there and counts what it consumed in bytesWritten), or nothing while it goes on.
   */
  private async inflate(data: Buffer): Promise<Buffer> {
    const inflater = this.inflater!;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      inflater.once('error', onError);
      inflater.write(data, () => {
        inflater.off('error', onError);
        resolve();
      });
    });
    this.fed += data.length;
    const left = this.fed - inflater.bytesWritten;
    if (left === 0) return Buffer.alloc(0);
    this.endMember();
    return data.subarray(data.length - left);
  }

  private endMember(): void {
    this.inflater!.removeAllListeners('data');
    this.inflater!.destroy();
    this.inflater = null;
    this.state = 'trailer';
  }

  private checkTrailer(t: Buffer): void {
    if (t.readUInt32LE(0) !== this.crc >>> 0 || t.readUInt32LE(4) !== this.size) {
      throw gzipError('gzip checksum does not match the data (a corrupt body)', 'Z_DATA_ERROR');
    }
    this.members++;
    this.state = 'between';
  }

  /** The body ended: complete only if a member did, and the last one started is whole. */
  private async finish(): Promise<void> {
    if (this.state === 'deflate') {
      // The deflate stream may have ended exactly at the last byte: Z_FINISH tells (an error if it did not).
      const inflater = this.inflater!;
      await new Promise<void>((resolve, reject) => {
        inflater.once('error', reject);
        inflater.once('end', resolve);
        inflater.end();
        inflater.resume();
      });
      this.endMember();
    }
    const cutShort =
      this.state === 'trailer' || // the deflate stream is whole, its checksum is not
      (this.state === 'header' && this.members === 0 && this.pending.length > 0); // not even one header
    // (A partial header after a complete member is a stray tail like any other, and ignored.)
    if (cutShort) throw gzipError('unexpected end of file', 'Z_BUF_ERROR');
  }
}
