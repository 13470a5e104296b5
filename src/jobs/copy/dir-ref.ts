/**
 * Directories of SRC and DST below their roots, reached without following a symlink (util/dir-anchor.ts): each
 * is opened with O_NOFOLLOW|O_DIRECTORY from its already-open parent, so a directory swapped for a symlink
 * mid-run fails to open (CHANGED_DURING_COPY) instead of leading a write out of DST or a read out of SRC. Names
 * inside a directory are then reached as `/proc/<pid>/fd/N/name` (DirRef.child, util/dir-anchor.ts).
 *
 * Opening a directory costs one open per level from the nearest open ancestor; a DirCache keeps a directory
 * open while it is in use (refs) and the last few unused ones, so a batch (one directory's entries) costs a map
 * lookup, not a walk from the root. Where /proc/self/fd does not work (anchorsAvailable() false) a DirRef is the
 * plain path: symlinks swapped into the path are then followed.
 */
import { closeSync } from 'node:fs';
import { copyFailure } from './errors.js';
import { anchorPrefix, anchorsAvailable, enterAnchor, inside, isPlainName, openDirAt, openRoot, procBase } from '../../util/dir-anchor.js';
import { openUpToWrite } from './dst-dir.js';
import { fsPath, type FsPath } from './fs-path.js';

export class DirRef {
  /** `/proc/<pid>/fd/N/` (util/dir-anchor.ts), kept: a small file's copy names four entries through it. */
  private readonly prefix: string;

  /** `fd` is -1 when anchors are unavailable; `path` is the directory's path, for messages and the fallback. */
  constructor(readonly fd: number, readonly path: string) {
    this.prefix = fd >= 0 ? anchorPrefix(fd) : '';
  }

  /** The path of `name` inside this directory (a Buffer when the name holds escaped bytes, see fs-path.ts). */
  child(name: string): FsPath {
    if (this.fd < 0) return fsPath(`${this.path}/${name}`);
    return inside(this.prefix, fsPath(name));
  }

  /**
   * `./name`, with this directory made the process's working directory first if it is not (enterAnchor): for a
   * process of its own only, and for a call made at once (a later chdir would move what the name means). Anchored
   * like `child`, one /proc lookup cheaper.
   */
  fromCwd(name: string): FsPath {
    if (!isPlainName(name)) throw Object.assign(new Error(`not a single path component: ${name}`), { code: 'EINVAL' });
    if (cwdRef !== this) {
      enterAnchor(this.fd);
      cwdRef = this;
    }
    return fsPath(`./${name}`);
  }

  /** The directory itself as a path another process can use (as its cwd): its fd's magic link, by pid. */
  own(): FsPath {
    return this.fd >= 0 && procBase() !== '/proc/self' ? this.prefix.slice(0, -1) : fsPath(this.path);
  }

  /** Rewrites the anchor's `/proc/.../fd/N/` in an error message as the directory's real path. */
  describe(message: string): string {
    return this.fd >= 0 ? message.replaceAll(this.prefix, `${this.path}/`) : message;
  }
}

/** The directory this process last entered (DirRef.fromCwd); a closed one is never entered again, a new DirRef is. */
let cwdRef: DirRef | null = null;

/** What names a batch's destination entries: an anchored directory, or its `./name` form from the cwd. */
export interface Names {
  child(name: string): FsPath;
}

interface Entry {
  ref: DirRef;
  refs: number;
}

/** Unused directories kept open per cache: a tree's current path and its recent siblings. */
const KEEP = 32;

export class DirCache {
  private readonly open = new Map<string, Entry>();
  /** Open but unused, oldest first (Map keeps insertion order). */
  private readonly idle = new Set<string>();
  private readonly anchored = anchorsAvailable();

  constructor(readonly root: string) {}

  /** The directory `rel` ('' is the root), held until `release(rel)`. */
  acquire(rel: string): DirRef {
    const e = this.open.get(rel);
    if (e) {
      if (e.refs++ === 0) this.idle.delete(rel);
      return e.ref;
    }
    const path = rel ? `${this.root}/${rel}` : this.root;
    let fd = -1;
    if (this.anchored) {
      if (rel === '') fd = openRoot(fsPath(this.root));
      else {
        const slash = rel.lastIndexOf('/');
        const parentRel = slash < 0 ? '' : rel.slice(0, slash);
        const parent = this.acquire(parentRel);
        try {
          fd = openDirAt(parent.fd, fsPath(rel.slice(slash + 1)));
        } catch (err) {
          throw notADir(err, path);
        } finally {
          this.release(parentRel);
        }
      }
    }
    const ref = new DirRef(fd, path);
    this.open.set(rel, { ref, refs: 1 });
    return ref;
  }

  release(rel: string): void {
    const e = this.open.get(rel);
    if (!e || --e.refs > 0) return;
    this.idle.add(rel);
    for (const old of this.idle) {
      if (this.idle.size <= KEEP) break;
      if (old === '') continue; // the root stays open: reopening it by path would follow a root swapped since
      this.idle.delete(old);
      const o = this.open.get(old)!;
      this.open.delete(old);
      if (o.ref.fd >= 0) closeSync(o.ref.fd);
    }
  }

  /** Closes every directory, in use or not (the end of a run, or of a worker's task). */
  close(): void {
    for (const e of this.open.values()) if (e.ref.fd >= 0) closeSync(e.ref.fd);
    this.open.clear();
    this.idle.clear();
  }
}

/** A directory on the path that is now a symlink or a file was swapped in during the copy: never followed. */
function notADir(err: unknown, path: string): unknown {
  const code = (err as { code?: string }).code;
  if (code !== 'ENOTDIR' && code !== 'ELOOP') return err;
  return copyFailure('CHANGED_DURING_COPY', `${path}: no longer a directory (a symlink or file was put in its place during the copy); not followed`, { cause: err });
}

/** The source and destination directory of one batch, opened on first use and released together. */
export class BatchDirs {
  private s: DirRef | undefined;
  private d: DirRef | undefined;
  private names: Names | undefined;

  /**
   * `locked`: the destination directory is read-only to us, opened up on the first write (dst-dir.ts). `cwdNames`:
   * this process is its own (a procs worker), so the destination's entries may be named from the cwd (`here`).
   */
  constructor(
    private readonly srcDirs: DirCache,
    private readonly dstDirs: DirCache,
    readonly dir: string,
    private locked = false,
    readonly cwdNames = false,
  ) {}

  src(): DirRef {
    return (this.s ??= this.srcDirs.acquire(this.dir));
  }

  dst(): DirRef {
    return (this.d ??= this.dstDirs.acquire(this.dir));
  }

  /** The destination directory, about to be written into. */
  writable(): DirRef {
    const d = this.dst();
    if (this.locked) {
      openUpToWrite(d);
      this.locked = false;
    }
    return d;
  }

  /**
   * The destination directory's entries for a synchronous call: `./name` from the cwd where this process may enter
   * the directory (a lookup through /proc costs about twice a plain one, and a small file's copy makes three in
   * DST), else anchored. Never for a name used after an await: another batch may have moved the cwd by then.
   */
  here(write = false): Names {
    const d = write ? this.writable() : this.dst();
    return this.cwdNames && d.fd >= 0 ? this.local(d) : d;
  }

  private local(d: DirRef): Names {
    return (this.names ??= { child: (name) => d.fromCwd(name) });
  }

  /** An error message with the anchors' `/proc/<pid>/fd/N/` turned back into the directories' paths. */
  describe(message: string): string {
    return this.d ? this.d.describe(this.s ? this.s.describe(message) : message) : this.s ? this.s.describe(message) : message;
  }

  release(): void {
    if (this.s) this.srcDirs.release(this.dir);
    if (this.d) this.dstDirs.release(this.dir);
    this.s = this.d = undefined;
    this.names = undefined;
  }
}
