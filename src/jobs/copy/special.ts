/**
 * Non-regular entries. Symlinks are recreated with their target text verbatim (read as bytes, never followed,
 * never made absolute). FIFOs and devices are never opened: a FIFO is recreated with mkfifo(1) and a device
 * with mknod(1) when root (Node has no mkfifo/mknod binding; these are rare, so a child process each is
 * acceptable). Sockets cannot be meaningfully copied and are reported as UNSUPPORTED_TYPE.
 * Each is created under a temp name, given its metadata, then renamed over the final name.
 */
import type { FsPath } from './fs-path.js';
import { readlinkSync, symlinkSync, type Stats } from 'node:fs';
import { FanoutError } from '../../engine/errors.js';
import { removeQuietly, renameOver } from './copy-file.js';
import { applyFileMeta, setLinkMeta, type Identity } from './metadata.js';

export function linkTarget(path: FsPath): Buffer {
  return readlinkSync(path, { encoding: 'buffer' });
}

export function writeSymlink(target: Buffer, dstPath: FsPath, tmp: FsPath, s: Stats, id: Identity, dirSetgid: boolean): void {
  try {
    symlinkSync(target, tmp);
    setLinkMeta(tmp, s, id, dirSetgid);
    renameOver(tmp, dstPath);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
}

/** Recreates a FIFO or a device node; throws UNSUPPORTED_TYPE for what cannot be recreated here. */
export function writeNode(dstPath: FsPath, tmp: FsPath, s: Stats, id: Identity, dirSetgid: boolean): void {
  const mode = (s.mode & 0o7777).toString(8);
  // A child process takes string arguments only: a directory whose name is not valid UTF-8 cannot be named.
  if (typeof tmp !== 'string') {
    throw new FanoutError('UNSUPPORTED_TYPE', `${dstPath}: a special file in a directory named in invalid UTF-8 cannot be made; skipped`);
  }
  let args: string[];
  if (s.isFIFO()) args = ['mkfifo', '-m', mode, '--', tmp];
  else if ((s.isBlockDevice() || s.isCharacterDevice()) && id.root) {
    args = ['mknod', '-m', mode, '--', tmp, s.isBlockDevice() ? 'b' : 'c', String(major(s.rdev)), String(minor(s.rdev))];
  } else {
    const what = s.isSocket() ? 'a socket' : 'a device (only root can create one)';
    throw new FanoutError('UNSUPPORTED_TYPE', `${dstPath}: ${what} cannot be copied; skipped`);
  }
  try {
    try {
      process.getBuiltinModule('node:child_process').execFileSync(args[0], args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
      const errno = (err as { code?: string }).code;
      if (errno === 'ENOENT') throw new FanoutError('UNSUPPORTED_TYPE', `${dstPath}: ${args[0]}(1) is not installed; skipped`);
      // mkfifo's own failures carry no errno: map the common ones by their text
      if (/No space/i.test(stderr)) throw Object.assign(new Error(stderr), { code: 'ENOSPC' });
      if (/Read-only/i.test(stderr)) throw Object.assign(new Error(stderr), { code: 'EROFS' });
      if (/Permission denied|not permitted/i.test(stderr)) throw Object.assign(new Error(stderr), { code: 'EACCES' });
      throw new FanoutError('IO_ERROR', `${dstPath}: ${args[0]} failed: ${stderr || (err as Error).message}`);
    }
    applyFileMeta(tmp, s, id, dirSetgid, true);
    renameOver(tmp, dstPath);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
}

// glibc's encoding of dev_t
function major(dev: number): number {
  return Number((BigInt(dev) >> 8n) & 0xfffn) | Number((BigInt(dev) >> 32n) & ~0xfffn);
}

function minor(dev: number): number {
  return Number(BigInt(dev) & 0xffn) | Number((BigInt(dev) >> 12n) & ~0xffn);
}
