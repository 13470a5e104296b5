/**
 * Directory descriptors as anchors for path lookups (Linux). Node has no openat(2), but `/proc/self/fd/N` is a
 * magic link to the very directory that descriptor N holds, whatever its path has become since: `at(fd, name)`
 * resolves `name` inside that directory and nowhere else. Opening each component with O_NOFOLLOW from an
 * already-open parent (`openDirAt`) means a symlink someone swaps into a tree mid-run can never redirect a read
 * or a write out of it; this is what rsync's receiver and hardened copiers do with openat.
 *
 * `/proc/<pid>` is the process, so an fd opened in a worker thread is as good as one opened on the main thread.
 * Where /proc is not mounted, `anchorsAvailable()` is false and callers must refuse or fall back explicitly.
 */
import { closeSync, constants, fstatSync, openSync, readlinkSync, statSync, type PathLike } from 'node:fs';

/** Flags to open a directory to anchor on: never through a symlink (ENOTDIR or ELOOP instead). */
export const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** A name to look up directly inside an anchor: one component, not `.` or `..`. */
export function isPlainName(name: string | Buffer): boolean {
  const s = typeof name === 'string' ? name : name.toString('latin1');
  return s !== '' && s !== '.' && s !== '..' && !s.includes('/') && !s.includes('\0');
}

let base: string | undefined;
/**
 * `/proc/<pid>`, unless /proc is another pid namespace's (then its `self` names another number): `/proc/self`. The
 * pid form is the same magic link one symlink (`self`) shorter (measured 5.8 against 6.6 us per lstat, and a small
 * file's copy costs four such lookups), and a path another process can use too (a child made to work in it).
 */
export function procBase(): string {
  if (base !== undefined) return base;
  try {
    base = readlinkSync('/proc/self') === String(process.pid) ? `/proc/${process.pid}` : '/proc/self';
  } catch {
    base = '/proc/self';
  }
  return base;
}

/** `<procBase>/fd/N/`: what names an entry inside the directory held by `fd` (see `inside`). */
export function anchorPrefix(fd: number): string {
  return `${procBase()}/fd/${fd}/`;
}

/** The path that names `name` inside the directory held open by `fd` (a Buffer stays bytes, for non-UTF-8 names). */
export function at(fd: number, name: string): string;
export function at(fd: number, name: Buffer): Buffer;
export function at(fd: number, name: string | Buffer): string | Buffer;
export function at(fd: number, name: string | Buffer): string | Buffer {
  return inside(anchorPrefix(fd), name);
}

/** `name` inside the anchor whose `anchorPrefix` is `prefix`: for callers that keep the prefix of an anchor they hold. */
export function inside(prefix: string, name: string | Buffer): string | Buffer {
  if (!isPlainName(name)) throw Object.assign(new Error(`not a single path component: ${String(name)}`), { code: 'EINVAL' });
  return typeof name === 'string' ? prefix + name : Buffer.concat([Buffer.from(prefix), name]);
}

/** The directory held by `fd` itself, as a path (for calls that take the directory, like readdir or utimes). */
export function self(fd: number): string {
  return `${procBase()}/fd/${fd}`;
}

/** Opens the child directory `name` of the anchor `parentFd`; a symlink there fails (ENOTDIR/ELOOP), never followed. */
export function openDirAt(parentFd: number, name: string | Buffer): number {
  const fd = openSync(at(parentFd, name), DIR_FLAGS);
  userPaths.set(fd, `${userPaths.get(parentFd) ?? UNKNOWN}/${String(name)}`);
  return fd;
}

/**
 * Opens a root the user named. Symlinks in the path the user typed are theirs to use (like `cp -a src/ dst/`),
 * so they are followed here; everything below is reached through `openDirAt`.
 */
export function openRoot(path: PathLike): number {
  return remember(openSync(path, constants.O_RDONLY | constants.O_DIRECTORY), path);
}

/**
 * The path the user would know each open anchor by, per descriptor, so that a message naming `/proc/<pid>/fd/N/x`
 * can name that path instead (`unanchor`). A descriptor number reused for a new anchor is overwritten when it is
 * opened here; a closed one is never named again, since only open anchors build paths.
 */
const userPaths = new Map<number, string>();
const UNKNOWN = '<directory>';

function remember(fd: number, path: PathLike): number {
  userPaths.set(fd, unanchor(Buffer.isBuffer(path) ? path.toString() : String(path)));
  return fd;
}

const ANCHORED = /\/proc\/(?:self|\d+)\/fd\/(\d+)(\/|(?![\d/]))/g;

/**
 * The directory a process of its own made its working directory through an anchor (`enterAnchor`), as the user
 * knows it: names in it go as `./name`, which a message then names by this path.
 */
let cwdPath: string | undefined;
const FROM_CWD = /(^|')\.\//g;

/**
 * Makes the directory held by `fd` this process's working directory: chdir follows the anchor's magic link to that
 * very directory, as `at` does, so `./name` then resolves inside it and nowhere else, at the cost of a plain
 * relative lookup (about half of one through /proc). Process-wide: only for a process that runs nothing else
 * (never a worker thread, never the caller's process), and a `./name` is good only until the next enterAnchor.
 */
export function enterAnchor(fd: number): void {
  process.chdir(self(fd));
  cwdPath = userPaths.get(fd) ?? UNKNOWN;
}

/**
 * `text` with every anchored path (`/proc/<pid>/fd/N/name`, `/proc/self/fd/N`) naming the path the anchor was
 * opened by instead: error messages are for the user, who never typed a descriptor. An anchor this thread did not
 * open here is named `<directory>` rather than by its descriptor. In a process that entered an anchor, a `./name`
 * (at the start, or quoted as fs errors quote paths) is named inside that directory's path.
 */
export function unanchor(text: string): string {
  if (cwdPath !== undefined && text.includes('./')) text = text.replace(FROM_CWD, (_m, quote: string) => `${quote}${cwdPath}/`);
  if (!text.includes('/fd/')) return text;
  return text.replace(ANCHORED, (_m, fd: string, slash: string) => (userPaths.get(Number(fd)) ?? UNKNOWN) + slash);
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
  return remember(openSync(path, O_PATH | constants.O_NOFOLLOW), path);
}
