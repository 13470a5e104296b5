import { describe, expect, it } from 'vitest';
import { itemizeLine, verboseLine } from '../../src/cli/itemize.js';
import { CONTENT, GROUP, MODE, OWNER, SIZE, TIME } from '../../src/jobs/copy/changes.js';
import { failedRecord, okRecord } from '../../src/jobs/copy/record.js';

describe('-i lines (rsync --itemize-changes)', () => {
  it('marks a created entry +++++++++, with the update type and file type rsync prints', () => {
    expect(itemizeLine(okRecord('a', 'file', 'copy', 5), false)).toBe('>f+++++++++ a');
    expect(itemizeLine(okRecord('sub', 'dir', 'mkdir'), false)).toBe('cd+++++++++ sub/');
    expect(itemizeLine(okRecord('.', 'dir', 'mkdir'), false)).toBe('cd+++++++++ ./');
    expect(itemizeLine(okRecord('l', 'symlink', 'symlink'), false)).toBe('cL+++++++++ l');
    expect(itemizeLine(okRecord('p', 'fifo', 'mkfifo'), false)).toBe('cS+++++++++ p');
    expect(itemizeLine(okRecord('s', 'socket', 'mknod'), false)).toBe('cS+++++++++ s');
    expect(itemizeLine(okRecord('null', 'char', 'mknod'), false)).toBe('cD+++++++++ null');
    expect(itemizeLine(okRecord('b', 'file', 'link'), false)).toBe('hf+++++++++ b');
  });

  it('puts each change in its slot of cstpoguax, dots elsewhere', () => {
    expect(itemizeLine(okRecord('a', 'file', 'copy', 5, TIME), false)).toBe('>f..t...... a');
    expect(itemizeLine(okRecord('a', 'file', 'copy', 5, SIZE | TIME), false)).toBe('>f.st...... a');
    expect(itemizeLine(okRecord('a', 'file', 'copy', 5, CONTENT), false)).toBe('>fc........ a');
    expect(itemizeLine(okRecord('a', 'file', 'meta', 0, MODE), false)).toBe('.f...p..... a');
    expect(itemizeLine(okRecord('a', 'file', 'meta', 0, OWNER | GROUP), false)).toBe('.f....og... a');
    expect(itemizeLine(okRecord('d', 'dir', 'meta', 0, TIME), false)).toBe('.d..t...... d/');
    expect(itemizeLine(okRecord('l', 'symlink', 'symlink', 0, CONTENT | TIME), false)).toBe('cLc.t...... l');
    expect(itemizeLine(okRecord('a', 'file', 'copy', 5, 0), false)).toBe('>f......... a'); // --force, nothing differed
  });

  it('prints deletions as *deleting, and unchanged entries only at -ii, with blank attributes', () => {
    expect(itemizeLine(okRecord('gone', 'dir', 'delete'), false)).toBe('*deleting   gone/');
    expect(itemizeLine(okRecord('gone/x', 'file', 'delete'), false)).toBe('*deleting   gone/x');
    expect(itemizeLine(okRecord('a', 'file', 'skip'), false)).toBeNull();
    expect(itemizeLine(okRecord('a', 'file', 'skip'), true)).toBe('.f          a');
    expect(itemizeLine(okRecord('.', 'dir', 'skip'), true)).toBe('.d          ./');
  });

  it('gives a failed entry no line', () => {
    const error = { name: 'FanoutError', code: 'PERMISSION' as const, message: 'a: EACCES' };
    expect(itemizeLine(failedRecord('a', 'file', 'copy', error), true)).toBeNull();
    expect(verboseLine(failedRecord('a', 'file', 'copy', error))).toBeNull();
  });

  it('escapes a control character and a byte that is not UTF-8 as rsync does, so a name never breaks its line', () => {
    expect(itemizeLine(okRecord('new\nline', 'file', 'copy'), false)).toBe('>f+++++++++ new\\#012line');
    expect(itemizeLine(okRecord('caf\udce9', 'file', 'copy'), false)).toBe('>f+++++++++ caf\\#351');
    expect(itemizeLine(okRecord('tab\there é', 'file', 'copy'), false)).toBe('>f+++++++++ tab\there é');
  });
});

describe('-v lines (rsync --verbose)', () => {
  it('lists what was written or created, folders whose attributes changed, and deletions', () => {
    expect(verboseLine(okRecord('.', 'dir', 'mkdir'))).toBe('./');
    expect(verboseLine(okRecord('a', 'file', 'copy', 5, TIME))).toBe('a');
    expect(verboseLine(okRecord('d', 'dir', 'meta', 0, TIME))).toBe('d/');
    expect(verboseLine(okRecord('l', 'symlink', 'symlink'))).toBe('l');
    expect(verboseLine(okRecord('gone', 'dir', 'delete'))).toBe('deleting gone/');
  });

  it('leaves out skipped entries and files whose attributes alone were fixed', () => {
    expect(verboseLine(okRecord('a', 'file', 'skip'))).toBeNull();
    expect(verboseLine(okRecord('a', 'file', 'meta', 0, MODE))).toBeNull();
  });
});
