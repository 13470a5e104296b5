import {
  chmodSync, existsSync, lstatSync, lutimesSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, truncateSync,
  unlinkSync, utimesSync, writeFileSync,
} from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { sameContents, SMALL, writeFileSync as writeAtomically } from '../../../src/jobs/copy/copy-file.js';
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

describe('files copied by path (copyFile, sparse)', () => {
  it('does not count a source replaced by another file of the same size and mtime, and keeps the old destination', () => {
    writeFileSync(`${dir}/big`, Buffer.alloc(SMALL * 2, 1));
    const stale = lstatSync(`${dir}/big`);
    writeFileSync(`${dir}/big.new`, Buffer.alloc(SMALL * 2, 2)); // same size and mtime, another inode
    utimesSync(`${dir}/big.new`, stale.atimeMs / 1000, stale.mtimeMs / 1000);
    renameSync(`${dir}/big.new`, `${dir}/big`);
    writeFileSync(`${dir}/big.dst`, 'old copy\n');
    expect(() => writeAtomically(`${dir}/big`, `${dir}/big.dst`, `${dir}/.fanout-tmp-b-big`, stale, opts)).toThrow(
      expect.objectContaining({ code: 'CHANGED_DURING_COPY' }),
    );
    expect(readFileSync(`${dir}/big.dst`, 'utf8')).toBe('old copy\n');
    expect(readdirSync(dir).filter((n) => n.startsWith('.fanout-tmp-'))).toEqual([]);
  });

  it('never copies the target of a symlink swapped in for a sparse source, even one of the same size and mtime', () => {
    writeFileSync(`${dir}/secret`, 'must not be read\n');
    writeFileSync(`${dir}/holes`, '');
    truncateSync(`${dir}/holes`, 4000); // all hole: copied by the sparse route
    const stale = lstatSync(`${dir}/holes`);
    unlinkSync(`${dir}/holes`);
    const target = '/'.repeat(4000 - Buffer.byteLength(`${dir}/secret`)) + `${dir}/secret`; // a link's size is its target's length in bytes
    symlinkSync(target, `${dir}/holes`);
    lutimesSync(`${dir}/holes`, stale.atimeMs / 1000, stale.mtimeMs / 1000);
    expect(lstatSync(`${dir}/holes`).size).toBe(stale.size);
    const noVerify = { ...opts, verify: false }; // --verify would catch it, but a plain run must too
    expect(() => writeAtomically(`${dir}/holes`, `${dir}/holes.dst`, `${dir}/.fanout-tmp-h-holes`, stale, noVerify)).toThrow();
    expect(existsSync(`${dir}/holes.dst`)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.startsWith('.fanout-tmp-'))).toEqual([]);
  });
});

describe('small files on descriptors', () => {
  it('keeps modes that the umask or creation would strip (0777, 0666, setuid 4755, 0000)', () => {
    // Only root can read back a file of mode 0000 (its own copy's source included).
    for (const mode of [0o777, 0o666, 0o4755, ...(process.geteuid?.() === 0 ? [0o000] : [])]) {
      const name = `m${mode.toString(8)}`;
      writeFileSync(`${dir}/${name}`, 'mode\n');
      chmodSync(`${dir}/${name}`, mode);
      const s = lstatSync(`${dir}/${name}`);
      writeAtomically(`${dir}/${name}`, `${dir}/${name}.copy`, `${dir}/.fanout-tmp-m-${name}`, s, { ...opts, umask: 0o022 });
      const d = lstatSync(`${dir}/${name}.copy`);
      expect((d.mode & 0o7777).toString(8)).toBe(mode.toString(8));
      expect(Math.abs(d.mtimeMs - s.mtimeMs)).toBeLessThan(0.001);
    }
  });

  it('does not count a source replaced by another file of the same size, and keeps the old destination', () => {
    writeFileSync(`${dir}/swap`, 'first!\n');
    const stale = lstatSync(`${dir}/swap`);
    writeFileSync(`${dir}/swap.new`, 'other!\n'); // same size, another inode
    utimesSync(`${dir}/swap.new`, stale.atime, stale.mtime);
    renameSync(`${dir}/swap.new`, `${dir}/swap`);
    writeFileSync(`${dir}/swap.dst`, 'old copy\n');
    expect(() => writeAtomically(`${dir}/swap`, `${dir}/swap.dst`, `${dir}/.fanout-tmp-s-swap`, stale, opts)).toThrow(
      expect.objectContaining({ code: 'CHANGED_DURING_COPY' }),
    );
    expect(readFileSync(`${dir}/swap.dst`, 'utf8')).toBe('old copy\n');
    expect(readdirSync(dir).filter((n) => n.startsWith('.fanout-tmp-'))).toEqual([]);
  });

  it('never follows a symlink swapped in for the source after its lstat', () => {
    writeFileSync(`${dir}/target-secret`, 'must not be read\n');
    writeFileSync(`${dir}/was-file`, 'a file\n');
    const stale = lstatSync(`${dir}/was-file`);
    unlinkSync(`${dir}/was-file`);
    symlinkSync(`${dir}/target-secret`, `${dir}/was-file`);
    expect(() => writeAtomically(`${dir}/was-file`, `${dir}/was-file.dst`, `${dir}/.fanout-tmp-l-was-file`, stale, opts)).toThrow();
    expect(existsSync(`${dir}/was-file.dst`)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.startsWith('.fanout-tmp-'))).toEqual([]);
  });
});

describe('content comparison (--checksum, --verify)', () => {
  it('does not hang on a FIFO swapped in for a file, nor follow a symlink', () => {
    writeFileSync(`${dir}/cmp-file`, 'data\n');
    execFileSync('mkfifo', [`${dir}/cmp-fifo`]); // no writer: a blocking open would never return
    // In a child with a time limit (the built module): a blocking open cannot be timed out in this thread.
    const built = new URL('../../../dist/src/jobs/copy/copy-file.js', import.meta.url).href;
    const script = `const { sameContents } = await import(${JSON.stringify(built)});
      for (const [a, b] of [[process.argv[1], process.argv[2]], [process.argv[2], process.argv[1]]]) {
        try { sameContents(a, b); console.log('compared'); } catch (e) { console.log(e.code); }
      }`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, `${dir}/cmp-fifo`, `${dir}/cmp-file`], {
      timeout: 10_000, encoding: 'utf8',
    });
    expect(r.signal, 'sameContents blocked on the FIFO').toBeNull();
    expect(r.stdout.trim().split('\n')).toEqual(['ESPIPE', 'ESPIPE']); // fails at once: the entry gets a failed record
    symlinkSync(`${dir}/cmp-file`, `${dir}/cmp-link`);
    expect(() => sameContents(`${dir}/cmp-link`, `${dir}/cmp-file`)).toThrow(expect.objectContaining({ code: 'ELOOP' }));
  });
});

describe('large files and cancellation', () => {
  it('stops a large file between two chunks when the run is cancelled, keeping the old destination and no temp', async () => {
    const { copySeams, LARGE, writeFileAsync } = await import('../../../src/jobs/copy/copy-file.js');
    writeFileSync(`${dir}/huge`, Buffer.alloc(LARGE * 4, 7));
    writeFileSync(`${dir}/huge.dst`, 'old copy\n');
    const s = lstatSync(`${dir}/huge`);
    const controller = new AbortController();
    copySeams.afterOpen = () => controller.abort(); // Ctrl-C once the copy has started
    try {
      await expect(
        writeFileAsync(`${dir}/huge`, `${dir}/huge.dst`, `${dir}/.fanout-tmp-c-huge`, s, { ...opts, signal: controller.signal }),
      ).rejects.toMatchObject({ code: 'CANCELLED' });
    } finally {
      delete copySeams.afterOpen;
    }
    expect(readFileSync(`${dir}/huge.dst`, 'utf8')).toBe('old copy\n');
    expect(readdirSync(dir).filter((n) => n.startsWith('.fanout-tmp-'))).toEqual([]);
  });
});
