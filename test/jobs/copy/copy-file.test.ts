import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync as writeAtomically } from '../../../src/jobs/copy/copy-file.js';
import { processIdentity } from '../../../src/jobs/copy/metadata.js';

const dir = mkdtempSync(`${tmpdir()}/fanout-copy-file-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const opts = { id: processIdentity(), dirSetgid: false, verify: true };

describe('atomic file write', () => {
  it('does not count a source that changed while it was copied, and keeps the old destination', () => {
    writeFileSync(`${dir}/src`, 'version 1\n');
    const stale = lstatSync(`${dir}/src`);
    writeFileSync(`${dir}/src`, 'version 2, longer\n'); // changes after the walk saw it
    writeFileSync(`${dir}/dst`, 'old copy\n');
    expect(() => writeAtomically(`${dir}/src`, `${dir}/dst`, `${dir}/.fanout-tmp-x-dst`, stale, opts)).toThrow(
      expect.objectContaining({ code: 'CHANGED_DURING_COPY' }),
    );
    expect(readFileSync(`${dir}/dst`, 'utf8')).toBe('old copy\n');
    expect(readdirSync(dir).filter((n) => n.startsWith('.fanout-tmp-'))).toEqual([]);
  });

  it('replaces the destination only once the new file is complete, with the source mtime', () => {
    writeFileSync(`${dir}/a`, 'new contents\n');
    writeFileSync(`${dir}/b`, 'previous\n');
    const s = lstatSync(`${dir}/a`);
    expect(writeAtomically(`${dir}/a`, `${dir}/b`, `${dir}/.fanout-tmp-y-b`, s, opts)).toBe(13);
    expect(readFileSync(`${dir}/b`, 'utf8')).toBe('new contents\n');
    expect(Math.abs(lstatSync(`${dir}/b`).mtimeMs - s.mtimeMs)).toBeLessThan(0.001);
    expect(existsSync(`${dir}/.fanout-tmp-y-b`)).toBe(false);
  });
});
