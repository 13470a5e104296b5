/**
 * --save DIR: writes a body under DIR at its savePath(url), never outside DIR, never over an existing file, and
 * never as part of a body under a final name:
 * - folders are reached from DIR's descriptor with O_NOFOLLOW (save-dirs.ts): a symlink under DIR fails the
 *   record (SAVE_FAILED), it is never followed;
 * - the body is written whole to a temp file (save-temp.ts), then published with link(temp, final), which fails
 *   with EEXIST rather than replace anything: claiming a name is atomic on disk, across workers, processes and
 *   runs. A name that is taken moves the body to the first free "name~2.ext", "name~3.ext", ..., unless a taken
 *   name already holds exactly the body's (non-empty) bytes: that file is the body's (holds-exactly.ts);
 * - a full disk (ENOSPC, EDQUOT) or a read-only one (EROFS) is fatal: NO_SPACE or READ_ONLY, and the run stops.
 *
 * Saving is synchronous: a body is already in memory and its write is a copy into the page cache, and it keeps
 * every descriptor in use for the whole of one save (inside a worker thread or process it runs on that worker).
 */
import { closeSync, constants, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { FanoutError } from '../../engine/errors.js';
import { at, openRoot } from '../../util/dir-anchor.js';
import { diskStopCode } from '../../util/disk-stop.js';
import { errorReason } from '../../util/error-reason.js';
import { holding } from './holds-exactly.js';
import { savePath, withSuffix } from './save-path.js';
import { SaveDirs, type Folder } from './save-dirs.js';
import { openTempDir, sweepTempsBeside, TEMP_BESIDE, tempName } from './save-temp.js';

/** Names tried for one body before it fails ("page.html", "page~2.html", ... "page~1000.html"). */
const MAX_NAME_TRIES = 1000;

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** The errors of a file system without hard links (FAT, some network file systems). */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

export interface BodySaverOptions {
  /** The run's token for temp names (save-temp.ts); a saver of its own makes one up. */
  run?: string;
  /** Folder descriptors kept open. Default 64. */
  maxOpenDirs?: number;
  /** false: publish by exclusive create + rename, as on a file system without hard links. Default: probe. */
  links?: boolean;
}

export class BodySaver {
  private rootFd = -1;
  private tempFd = -1;
  private dirs: SaveDirs | null = null;
  private links: boolean;
  private readonly run: string;
  /** Folders (relative) cleared of killed runs' temps beside final names (publishInPlace). */
  private readonly sweptBeside = new Set<string>();

  constructor(private readonly dir: string, private readonly options: BodySaverOptions = {}) {
    this.run = options.run ?? `s${process.pid.toString(36)}`;
    this.links = options.links ?? true;
  }

  /** Saves `body` for `url`; resolves to the path relative to the save folder ("/" separated). */
  async save(url: string | URL, body: Uint8Array): Promise<string> {
    return this.saveSync(url, body);
  }

  saveSync(url: string | URL, body: Uint8Array): string {
    const u = typeof url === 'string' ? new URL(url) : url;
    try {
      const parts = savePath(u).split('/');
      const file = parts.pop()!;
      try {
        return this.publish(parts, file, body);
      } catch (err) {
        // A folder removed under a cached descriptor (rm -r mid-run): walk down from DIR again, once.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        this.dirs?.reset();
        this.closeTemp();
        return this.publish(parts, file, body);
      }
    } catch (err) {
      throw saveError(err, u.href.replace(/#.*$/, ''));
    }
  }

  /** Closes the descriptors this saver holds. */
  close(): void {
    this.dirs?.close();
    this.closeTemp();
    if (this.rootFd >= 0) closeSync(this.rootFd);
    this.rootFd = -1;
    this.dirs = null;
  }

  private publish(parts: string[], file: string, body: Uint8Array): string {
    if (this.rootFd < 0) {
      this.rootFd = openRoot(this.dir);
      this.dirs = new SaveDirs(this.rootFd, this.options.maxOpenDirs);
    }
    const folder = this.dirs!.reach(parts);
    // Saved before under one of its names (a --resume, a second run into DIR): found before any temp is written.
    const before = savedBefore(folder, file, body);
    if (before) return before;
    if (this.links) {
      if (this.tempFd < 0) this.tempFd = openTempDir(this.rootFd);
      const temp = writeTemp(this.tempFd, tempName(this.run), body);
      try {
        return claimByLink(at(this.tempFd, temp), folder, file, body);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        if (code !== 'EXDEV' && !NO_LINKS.has(code)) throw err;
        if (code !== 'EXDEV') this.links = false; // the whole file system: not tried again
      } finally {
        unlinkQuietly(at(this.tempFd, temp));
      }
    }
    return this.publishInPlace(folder, file, body);
  }

  /**
   * Without a hard link across (a folder on another mount) or at all: the temp goes in the folder itself, the
   * name is claimed by creating it exclusively, and the temp is renamed over that empty claim.
   */
  private publishInPlace(folder: Folder, file: string, body: Uint8Array): string {
    if (!this.sweptBeside.has(folder.rel)) {
      this.sweptBeside.add(folder.rel);
      sweepTempsBeside(folder.fd);
    }
    const temp = writeTemp(folder.fd, `${TEMP_BESIDE}${tempName(this.run)}`, body);
    try {
      for (let n = 1; n <= MAX_NAME_TRIES; n++) {
        const name = candidate(file, n);
        try {
          closeSync(openSync(at(folder.fd, name), CREATE, 0o666));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          if (savedAlready(folder, name, body)) return join(folder.rel, name);
          continue;
        }
        renameSync(at(folder.fd, temp), at(folder.fd, name));
        return join(folder.rel, name);
      }
    } finally {
      unlinkQuietly(at(folder.fd, temp));
    }
    throw noFreeName(folder, file);
  }

  private closeTemp(): void {
    if (this.tempFd >= 0) closeSync(this.tempFd);
    this.tempFd = -1;
  }
}

/** The n-th name tried for `file`: itself, then "stem~2.ext", "stem~3.ext", ... */
function candidate(file: string, n: number): string {
  return n === 1 ? file : withSuffix(file, String(n), '~');
}

/**
 * Whether the taken name `name` is this body's already. Never for an empty body: without hard links a name is
 * claimed as an empty file before another saver's temp is renamed over it (publishInPlace), and that claim must
 * not pass for an empty body's copy.
 */
function savedAlready(folder: Folder, name: string, body: Uint8Array): boolean {
  return body.byteLength > 0 && holding(at(folder.fd, name), body) === 'same';
}

/** The first of `file`'s taken candidate names, up to the first free one, that holds exactly `body`. */
function savedBefore(folder: Folder, file: string, body: Uint8Array): string | null {
  if (body.byteLength === 0) return null; // see savedAlready
  for (let n = 1; n <= MAX_NAME_TRIES; n++) {
    const name = candidate(file, n);
    const held = holding(at(folder.fd, name), body);
    if (held === 'same') return join(folder.rel, name);
    if (held === 'nothing') return null;
  }
  return null;
}

/** Publishes `temp` as the first free candidate name in `folder`: link(2) never replaces an existing name. */
function claimByLink(temp: string, folder: Folder, file: string, body: Uint8Array): string {
  for (let n = 1; n <= MAX_NAME_TRIES; n++) {
    const name = candidate(file, n);
    try {
      linkSync(temp, at(folder.fd, name));
      return join(folder.rel, name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (savedAlready(folder, name, body)) return join(folder.rel, name);
    }
  }
  throw noFreeName(folder, file);
}

/** Writes `body` whole to a new file `name` in the folder `dirFd`; the file is removed if that fails. */
function writeTemp(dirFd: number, name: string, body: Uint8Array): string {
  const path = at(dirFd, name);
  const fd = openSync(path, CREATE, 0o666);
  try {
    for (let done = 0; done < body.byteLength; ) done += writeSync(fd, body, done);
    closeSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkQuietly(path);
    throw err;
  }
  return name;
}

function join(rel: string, name: string): string {
  return rel ? `${rel}/${name}` : name;
}

function noFreeName(folder: Folder, file: string): FanoutError {
  return new FanoutError('SAVE_FAILED', `no free name for ${join(folder.rel, file)}: it and ${MAX_NAME_TRIES - 1} "~N" names are taken`);
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already, or its folder is: a leftover temp costs space, never a saved page
  }
}

function saveError(err: unknown, url: string): FanoutError {
  if (err instanceof FanoutError) return err;
  const fatal = diskStopCode(err);
  if (fatal) return new FanoutError(fatal, `cannot save ${url}: ${errorReason(err)}`, { cause: err });
  return new FanoutError('SAVE_FAILED', `cannot save ${url}: ${(err as Error).message}`, { cause: err });
}
