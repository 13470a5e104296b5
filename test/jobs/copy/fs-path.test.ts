import { describe, expect, it } from 'vitest';
import { decodeName, fsPath, hasEscapes } from '../../../src/jobs/copy/fs-path.js';

describe('names that are not valid UTF-8', () => {
  it('round-trips any bytes through the escaped string back to the same bytes', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) & 0xff;
    for (let n = 0; n < 500; n++) {
      const bytes = Buffer.from(Array.from({ length: 1 + (n % 12) }, next).map((b) => b || 1)); // no NUL in a name
      const name = decodeName(bytes);
      const back = fsPath(name);
      expect(Buffer.isBuffer(back) ? back : Buffer.from(back), bytes.toString('hex')).toEqual(bytes);
    }
  });

  it('leaves valid names alone, astral characters and a real U+FFFD included', () => {
    for (const s of ['plain', 'ünï 日本 🎉', '\u{10080}', 'caf\uFFFD', 'new\nline']) {
      expect(decodeName(Buffer.from(s))).toBe(s);
      expect(fsPath(s)).toBe(s);
      expect(hasEscapes(s)).toBe(false);
    }
  });

  it('escapes each bad byte as U+DC80+byte, and truncated or overlong sequences byte by byte', () => {
    expect(decodeName(Buffer.from('caf\xe9', 'latin1'))).toBe('caf\udce9');
    expect(decodeName(Buffer.from([0xc0, 0xaf]))).toBe('\udcc0\udcaf'); // overlong '/'
    expect(decodeName(Buffer.from([0x61, 0xe2, 0x82]))).toBe('a\udce2\udc82'); // cut-off euro sign
    expect(decodeName(Buffer.from([0xed, 0xa0, 0x80]))).toBe('\udced\udca0\udc80'); // an encoded surrogate
  });
});
