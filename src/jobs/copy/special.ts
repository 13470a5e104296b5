/**
 * Non-regular entries. Symlinks are recreated with their target text verbatim (read as bytes, never followed,
 * never made absolute). FIFOs and devices are never opened: a FIFO is recreated with mkfifo(1) and a device
 * with mknod(1) when root (Node has no mkfifo/mknod binding; these are rare, so a child process each is
 * acceptable). A socket is recreated as cp -a does, as an unused socket file: mknod(1) cannot make one, so a
 * child Node binds a socket under a short name, hard-links it to the temp name and closes it (which removes the
 * bound name); binding inside the directory keeps deep paths clear of the 108-byte limit of a socket's address.
 * Each is created under a temp name, given its metadata, then renamed over the final name. The child runs with
 * the anchored destination directory as its working directory (dir-ref.ts) and is given the temp's bare name.
 */
import type { FsPath } from './fs-path.js';
import { readlinkSync, symlinkSync, type Stats } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { copyFailure } from './errors.js';
import { applyNodeMeta, setLinkMeta, type Identity } from './metadata.js';
import { removeQuietly, renameOver, TEMP_PREFIX } from './temp.js';
import type { Times } from './times.js';
import type { DirRef } from './dir-ref.js';

export function linkTarget(path: FsPath): Buffer {
  return readlinkSync(path, { encoding: 'buffer' });
}

export function writeSymlink(target: Buffer, dstPath: FsPath, tmp: FsPath, s: Stats, id: Identity, dirSetgid: boolean, t: Times): void {
  try {
    symlinkSync(target, tmp);
    setLinkMeta(tmp, s, id, dirSetgid, t);
    renameOver(tmp, dstPath);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
}

/**
 * Recreates a FIFO or a device node as `tmpName` in `dir`, then renames it over `name`; throws UNSUPPORTED_TYPE
 * for what cannot be recreated here.
 */
export function writeNode(dir: DirRef, tmpName: string, name: string, s: Stats, id: Identity, dirSetgid: boolean, t: Times): void {
  const dstPath = dir.child(name);
  const tmp = dir.child(tmpName);
  const mode = (s.mode & 0o7777).toString(8);
  const cwd = dir.own();
  // A child process takes string arguments only: a directory whose name is not valid UTF-8 cannot be named.
  if (typeof cwd !== 'string') {
    throw copyFailure('UNSUPPORTED_TYPE', `${dir.path}/${name}: a special file in a directory named in invalid UTF-8 cannot be made; skipped`);
  }
  let args: string[];
  if (s.isFIFO()) args = ['mkfifo', '-m', mode, '--', tmpName];
  else if ((s.isBlockDevice() || s.isCharacterDevice()) && id.root) {
    args = ['mknod', '-m', mode, '--', tmpName, s.isBlockDevice() ? 'b' : 'c', String(major(s.rdev)), String(minor(s.rdev))];
  } else if (s.isSocket()) {
    args = [process.execPath, '-e', MAKE_SOCKET, `${TEMP_PREFIX}sock-${process.pid}-${threadId}` /* short, and swept like any temp */, tmpName, mode];
  } else {
    throw copyFailure('UNSUPPORTED_TYPE', `${dir.path}/${name}: a device (only root can create one) cannot be copied; skipped`);
  }
  try {
    try {
      // The child is handed the anchored directory itself as its fd 3 and works in it (its own /proc/self/fd/3):
      // never a path, which a directory swapped for a symlink would redirect, whatever pid namespace /proc is of.
      const anchored = dir.fd >= 0;
      process.getBuiltinModule('node:child_process').execFileSync(args[0], args.slice(1), {
        cwd: anchored ? '/proc/self/fd/3' : cwd,
        stdio: anchored ? ['ignore', 'ignore', 'pipe', dir.fd] : ['ignore', 'ignore', 'pipe'],
      });
    } catch (err) {
      const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
      const errno = (err as { code?: string }).code;
      if (errno === 'ENOENT') throw copyFailure('UNSUPPORTED_TYPE', `${dstPath}: ${args[0]}(1) is not installed; skipped`);
      // mkfifo's own failures carry no errno: map the common ones by their text. The child names only the temp,
      // inside its working directory: the message names the entry's path (copyFailure shows the user's).
      const failure = `${dstPath}: ${stderr}`;
      if (/No space/i.test(stderr)) throw Object.assign(new Error(failure), { code: 'ENOSPC' });
      if (/Read-only/i.test(stderr)) throw Object.assign(new Error(failure), { code: 'EROFS' });
      if (/Permission denied|not permitted/i.test(stderr)) throw Object.assign(new Error(failure), { code: 'EACCES' });
      throw copyFailure('IO_ERROR', `${dstPath}: ${args[0]} failed: ${stderr || (err as Error).message}`);
    }
    applyNodeMeta(tmp, s, id, dirSetgid, t); // its mode was set at its creation
    renameOver(tmp, dstPath);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
}

/**
 * Run by `node -e` in the temp file's directory: argv[1] is the name to bind, argv[2] the temp name to keep,
 * argv[3] its mode in octal (the umask gives it at bind(2): no chmod by name afterwards).
 */
const MAKE_SOCKET = `const [name, keep, mode] = process.argv.slice(1);
process.umask(0o777 & ~parseInt(mode, 8));
const server = require('node:net').createServer();
server.on('error', (e) => { process.stderr.write(e.message); process.exit(1); });
server.listen(name, () => { require('node:fs').linkSync(name, keep); server.close(); });`;

// glibc's encoding of dev_t
function major(dev: number): number {
  return Number((BigInt(dev) >> 8n) & 0xfffn) | Number((BigInt(dev) >> 32n) & ~0xfffn);
}

function minor(dev: number): number {
  return Number(BigInt(dev) & 0xffn) | Number((BigInt(dev) >> 12n) & ~0xffn);
}
