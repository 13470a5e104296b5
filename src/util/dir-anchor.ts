/**
 * Directory descriptors as anchors for path lookups (Linux). Node has no openat(2), but `/proc/self/fd/N` is a
 * magic link to the very directory that descriptor N holds, whatever its path has become since: `at(fd, name)`
 * resolves `name` inside that directory and nowhere else. Opening each component with O_NOFOLLOW from an
 * already-open parent (`openDirAt`) means a symlink someone swaps into a tree mid-run can never redirect a read
 * or a write out of it; this is what rsync's receiver and hardened copiers do with openat.
 *
 * `/proc/self` is the process, so an fd opened in a worker thread is as good as one opened on the main thread.
 * Where /proc is not mounted, `anchorsAvailable()` is false and callers must refuse or fall back explicitly.
 */
import { closeSync, constants, fstatSync, openSync, statSync, type PathLike } from 'node:fs';

/** Flags to open a directory to anchor on: never through a symlink (ENOTDIR or ELOOP instead). */
export const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** A name to look up directly inside an anchor: one component, not `.` or `..`. */
export function isPlainName(name: string | Buffer): boolean {
  const s = typeof name === 'string' ? name : name.toString('latin1');
  return s !== '' && s !== '.' && s !== '..' && !s.includes('/') && !s.includes('\0');
}

/** The path that names `name` inside the directory held open by `fd` (a Buffer stays bytes, for non-UTF-8 names). */
export function at(fd: number, name: string): string;
export function at(fd: number, name: Buffer): Buffer;
export function at(fd: number, name: string | Buffer): string | Buffer;
export function at(fd: number, name: string | Buffer): string | Buffer {
  if (!isPlainName(name)) throw Object.assign(new Error(`not a single path component: ${String(name)}`), { code: 'EINVAL' });
  const base = `/proc/self/fd/${fd}/`;
  return typeof name === 'string' ? base + name : Buffer.concat([Buffer.from(base), name]);
}

/** The directory held by `fd` itself, as a path (for calls that take the directory, like readdir or utimes). */
export function self(fd: number): string {
  return `/proc/self/fd/${fd}`;
}

/** Opens the child directory `name` of the anchor `parentFd`; a symlink there fails (ENOTDIR/ELOOP), never followed. */
export function openDirAt(parentFd: number, name: string | Buffer): number {
  return openSync(at(parentFd, name), DIR_FLAGS);
}

/**
 * Opens a root the user named. Symlinks in the path the user typed are theirs to use (like `cp -a src/ dst/`),
 * so they are followed here; everything below is reached through `openDirAt`.
 */
export function openRoot(path: PathLike): number {
  return openSync(path, constants.O_RDONLY | constants.O_DIRECTORY);
}

let available: boolean | undefined;
/** Whether /proc/self/fd anchors work on this system (probed once per thread). */
export function anchorsAvailable(): boolean {
  if (available !== undefined) return available;
  try {
    const fd = openRoot('/');
    try {
      available = statSync(self(fd)).ino === fstatSync(fd).ino;
    } finally {
      closeSync(fd);
    }
  } catch {
    available = false;
  }
  return available;
}

/**
 * O_PATH: a descriptor that names an inode without opening it for reading or writing (no read permission needed,
 * a device's driver is not called). Not in fs.constants, but open(2) takes the flag as given. Its value is 010000000
 * on the architectures listed; elsewhere `openPath` is unavailable (-1).
 */
const O_PATH = ['x64', 'ia32', 'arm', 'arm64', 'riscv64', 'ppc64', 's390x', 'loong64', 'mips', 'mipsel'].includes(process.arch) ? 0o10000000 : 0;

/**
 * The entry at `path` itself, as an O_PATH descriptor, never through a symlink at its last component (O_NOFOLLOW: a
 * symlink is opened as the link itself, which fstat shows), or -1 where O_PATH is unavailable. Metadata calls given
 * `self(fd)` reach exactly this inode (chmod, chown and utimes follow the magic link and nothing else).
 */
export function openPath(path: PathLike): number {
  if (O_PATH === 0 || !anchorsAvailable()) return -1;
  return openSync(path, O_PATH | constants.O_NOFOLLOW);
}
