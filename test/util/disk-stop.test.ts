import { describe, expect, it } from 'vitest';
import { diskStopCode, isDiskStopCode } from '../../src/util/disk-stop.js';

describe('disk-stop codes', () => {
  it('turns a full or read-only disk into NO_SPACE or READ_ONLY, and any other error into null', () => {
    expect(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'ENOENT'].map((code) => diskStopCode({ code }))).toEqual(['NO_SPACE', 'NO_SPACE', 'READ_ONLY', null, null]);
    expect([null, undefined, new Error('x'), { code: 5 }].map(diskStopCode)).toEqual([null, null, null, null]);
  });

  it('recognises as run-stopping every code a disk error becomes, and no other', () => {
    expect(isDiskStopCode('NO_SPACE')).toBe(true);
    expect(isDiskStopCode('READ_ONLY')).toBe(true);
    for (const code of ['ENOSPC', 'OUTPUT_FAILED', 'IO_ERROR', 'toString', '', undefined]) expect(isDiskStopCode(code), String(code)).toBe(false);
  });
});
