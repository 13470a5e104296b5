import { openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorReason } from '../../src/util/error-reason.js';

describe('errorReason', () => {
  it("keeps only the reason of a Node system error, without its code, call and path", () => {
    let err: unknown;
    try {
      openSync('/fanout-no-such-dir/file', 'r');
    } catch (e) {
      err = e;
    }
    expect(errorReason(err)).toBe('no such file or directory');
    expect(errorReason(Object.assign(new Error('ENOSPC: no space left on device, write'), { syscall: 'write' }))).toBe('no space left on device');
  });

  it('leaves any other error message as it is', () => {
    expect(errorReason(new Error('ENOTDIR: not a directory, but not from a call'))).toBe('ENOTDIR: not a directory, but not from a call');
  });
});
