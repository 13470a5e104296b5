/**
 * The folders under --save DIR, reached from DIR's descriptor one component at a time with O_NOFOLLOW
 * (util/dir-anchor.ts): a symlink anywhere under DIR is never followed, whoever put it there and whenever, so no
 * write can be redirected out of DIR. Opened folders are kept as descriptors, the most recently used first, up
 * to a bound; the rest are closed. Everything here is synchronous, so no descriptor is closed while a save is
 * using it.
 *
 * A file where a folder must go ("/docs" saved, now "/docs/intro") is not a clash to lose data over: the folder
 * goes to the first of "docs~2", "docs~3", ... that is a folder or can be made one, the same for every worker.
 */
import { closeSync, lstatSync, mkdirSync } from 'node:fs';
import { FanoutError } from '../../engine/errors.js';
import { at, openDirAt } from '../../util/dir-anchor.js';

/** Open folder descriptors kept per worker. */
const MAX_OPEN = 64;
/** Names tried for one folder before giving up ("docs", "docs~2", ... "docs~100"). */
const MAX_DIR_TRIES = 100;

export interface Folder {
  fd: number;
  /** Its path under DIR as written on disk ("/" separated), a "~N" name where a file was in the way. */
  rel: string;
}

export class SaveDirs {
  /** By the path derived from the URL: most recently used last (a Map keeps insertion order). */
  private readonly open = new Map<string, Folder>();

  constructor(private readonly rootFd: number, private readonly max = MAX_OPEN) {}

  /** The folder for `parts` (names from save-path.ts), made as needed. */
  reach(parts: string[]): Folder {
    let parent: Folder = { fd: this.rootFd, rel: '' };
    let key = '';
    for (const part of parts) {
      key = key ? `${key}/${part}` : part;
      let folder = this.open.get(key);
      if (folder) {
        this.open.delete(key); // most recently used again
      } else {
        const name = openChild(parent.fd, part, parent.rel);
        folder = { fd: name.fd, rel: parent.rel ? `${parent.rel}/${name.name}` : name.name };
      }
      this.open.set(key, folder);
      // The parent is not needed past this point, so evicting it (closing its fd) now is safe.
      if (this.open.size > this.max) this.evictOldest();
      parent = folder;
    }
    return parent;
  }

  /** Closes every cached folder: after a folder vanished under a save, the next one walks down from DIR again. */
  reset(): void {
    for (const f of this.open.values()) closeQuietly(f.fd);
    this.open.clear();
  }

  close(): void {
    this.reset();
  }

  private evictOldest(): void {
    const [key, f] = this.open.entries().next().value as [string, Folder];
    this.open.delete(key);
    closeQuietly(f.fd);
  }
}

/** Opens (making it if missing) the child folder `name`, or the first "name~N" where a file is in the way. */
function openChild(parentFd: number, name: string, parentRel: string): { fd: number; name: string } {
  for (let n = 1; n <= MAX_DIR_TRIES; n++) {
    const candidate = n === 1 ? name : `${name}~${n}`;
    const fd = openOrMake(parentFd, candidate);
    if (fd !== null) return { fd, name: candidate };
    if (lstatSync(at(parentFd, candidate)).isSymbolicLink()) {
      const where = parentRel ? `${parentRel}/${candidate}` : candidate;
      throw new FanoutError('SAVE_FAILED', `${where} is a symlink: fanout never follows one under the --save folder`);
    }
  }
  throw new FanoutError('SAVE_FAILED', `no folder can be made for ${parentRel}/${name}: files hold ${name} to ${name}~${MAX_DIR_TRIES}`);
}

/** The child folder's fd; null when something that is not a folder (a file, a symlink) holds the name. */
function openOrMake(parentFd: number, name: string): number | null {
  for (let made = false; ; made = true) {
    try {
      return openDirAt(parentFd, name);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR' || code === 'ELOOP') return null;
      if (code !== 'ENOENT' || made) throw err;
    }
    try {
      mkdirSync(at(parentFd, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed: nothing to release
  }
}
