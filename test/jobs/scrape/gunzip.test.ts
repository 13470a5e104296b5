import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GzipDecoder } from '../../../src/jobs/scrape/gunzip.js';

const page = Buffer.from('<html><head><title>x</title></head>' + 'hello world '.repeat(20000));
const member = gzipSync(page);

/** Decodes `bytes` fed in pieces of `piece` bytes: the decoded bytes, or the error's code and message. */
function decode(bytes: Buffer, piece = 4096): Promise<Buffer | { code: string; message: string }> {
  return new Promise((resolve) => {
    const d = new GzipDecoder();
    const out: Buffer[] = [];
    d.on('data', (c: Buffer) => out.push(c));
    d.on('end', () => resolve(Buffer.concat(out)));
    d.on('error', (e: Error & { code: string }) => resolve({ code: e.code, message: e.message }));
    for (let i = 0; i < bytes.length; i += piece) d.write(bytes.subarray(i, i + piece));
    d.end();
  });
}

/**
 * A decoded body as text (latin1: one character per byte), an error as it came: toBe on strings compares in
 * microseconds where toEqual walks a 240 KB Buffer element by element (a second or more on a loaded machine).
 */
const asText = (decoded: Buffer | { code: string; message: string }) => (Buffer.isBuffer(decoded) ? decoded.toString('latin1') : decoded);

describe('GzipDecoder', () => {
  it.each([1, 7, 4096, 1 << 20])('decodes a gzip body fed in pieces of %i bytes', async (piece) => {
    expect(asText(await decode(member, piece))).toBe(asText(page));
  });

  it.each([
    ['half of it', member.subarray(0, member.length >> 1)],
    ['the whole deflate stream but no checksum trailer', member.subarray(0, member.length - 8)],
    ['all but the last byte', member.subarray(0, member.length - 1)],
    ['a whole member and half of a second one', Buffer.concat([member, member.subarray(0, 100)])],
  ])('fails a body cut short (%s) as Z_BUF_ERROR, whatever the pieces', async (_name, bytes) => {
    for (const piece of [1, 999, 1 << 20]) expect(await decode(bytes, piece)).toMatchObject({ code: 'Z_BUF_ERROR' });
  });

  it.each([
    ['a newline', '\n'],
    ['NUL padding', '\0\0\0\0'],
    ['text', 'garbage after the page'],
    ['a lone gzip magic byte', '\x1f'],
  ])('ignores %s after a complete member, as browsers do', async (_name, tail) => {
    const body = Buffer.concat([member, Buffer.from(tail, 'latin1')]);
    for (const piece of [1, 999, 1 << 20]) expect(asText(await decode(body, piece))).toBe(asText(page));
  });

  it('reads every member of a multi-member body', async () => {
    expect(asText(await decode(Buffer.concat([member, gzipSync('tail')]), 1000))).toBe(asText(Buffer.concat([page, Buffer.from('tail')])));
  });

  it('reads a header with a file name and a comment', async () => {
    const header = Buffer.from([0x1f, 0x8b, 8, 8 | 16, 0, 0, 0, 0, 0, 3]);
    const body = Buffer.concat([header, Buffer.from('page.html\0a comment\0'), member.subarray(10)]);
    expect(asText(await decode(body, 5))).toBe(asText(page));
  });

  it('fails a body whose checksum does not match, or that is not gzip, as Z_DATA_ERROR', async () => {
    const corrupt = Buffer.from(member);
    corrupt[corrupt.length - 6]! ^= 1;
    expect(await decode(corrupt)).toMatchObject({ code: 'Z_DATA_ERROR', message: expect.stringContaining('checksum') });
    expect(await decode(Buffer.alloc(64, 0x42))).toMatchObject({ code: 'Z_DATA_ERROR' });
  });
});
