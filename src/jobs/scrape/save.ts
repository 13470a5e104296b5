/**
 * --save DIR: writes a body to DIR/<savePath(url)> atomically (a temp file in the same folder, then rename, so a
 * reader or a crash never sees half a file) and never outside DIR, even when DIR already holds symlinks: every
 * folder on the way is created one level at a time and checked with lstat, and a symlink or file where a folder
 * must go is treated as a clash, never followed.
 *
 * Clashes get a deterministic hash suffix: a file where a folder is needed ("/docs" saved, now "/docs/intro")
 * puts the folder at "docs_<hash>"; a folder where the file goes, or a path this saver already gave another
 * URL, puts the file at "<name>_<hash of the URL>.<ext>".
 */
import { lstat, mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { threadId } from 'node:worker_threads';
import { FanoutError } from '../../engine/errors.js';
import { isContained, savePath, shortHash, withSuffix } from './save-path.js';
import { makeDirs } from '../../util/make-dirs.js';

let tempCounter = 0;

export class BodySaver {
  private readonly root: string;
  /** Folders (relative) known to be real directories inside root. */
  private readonly dirs = new Set<string>();
  /** Relative path -> the URL saved there, to tell a re-save of one URL from two URLs sharing a name. */
  private readonly claimed = new Map<string, string>();
  private rootReady: Promise<unknown> | null = null;

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  /** Saves `body` for `url`; resolves to the path relative to the save folder ("/" separated). */
  async save(url: string | URL, body: Uint8Array): Promise<string> {
    const u = typeof url === 'string' ? new URL(url) : url;
    const key = u.href.replace(/#.*$/, '');
    try {
      this.rootReady ??= Promise.resolve().then(() => makeDirs(this.root)); // once per worker; see make-dirs.ts
      await this.rootReady;
      const parts = savePath(u).split('/');
      let file = parts.pop()!;
      const dirs = await this.ensureDirs(parts);
      const owner = this.claimed.get([...dirs, file].join('/'));
      if (owner !== undefined && owner !== key) file = withSuffix(file, shortHash(key));
      let rel = [...dirs, file].join('/');
      try {
        await this.writeAtomic(rel, body);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EISDIR') throw err;
        rel = [...dirs, withSuffix(file, shortHash(key))].join('/');
        await this.writeAtomic(rel, body);
      }
      this.claimed.set(rel, key);
      return rel;
    } catch (err) {
      if (err instanceof FanoutError) throw err;
      throw new FanoutError('SAVE_FAILED', `cannot save ${key}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Absolute path of a relative one, refusing anything that would resolve outside root. */
  private abs(rel: string): string {
    const full = join(this.root, ...rel.split('/'));
    if (!isContained(rel) || !full.startsWith(this.root + sep)) {
      throw new FanoutError('SAVE_FAILED', `refusing to write outside the save folder: ${rel}`);
    }
    return full;
  }

  /** Creates the folders one level at a time; returns their names, renamed where a clash forced it. */
  private async ensureDirs(parts: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const part of parts) {
      let name = part;
      for (let tries = 0; ; tries++) {
        const rel = [...out, name].join('/');
        if (this.dirs.has(rel) || (await this.makeDir(rel))) break;
        if (tries === 2) throw new FanoutError('SAVE_FAILED', `cannot create folder ${rel}: a file or link is in the way`);
        name = `${part}_${shortHash(rel)}`;
      }
      out.push(name);
    }
    return out;
  }

  /** True when rel is (now) a real directory; false when something else is in the way. */
  private async makeDir(rel: string): Promise<boolean> {
    const full = this.abs(rel);
    try {
      await mkdir(full);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!(await lstat(full)).isDirectory()) return false; // a file or a symlink: never followed
    }
    this.dirs.add(rel);
    return true;
  }

  private async writeAtomic(rel: string, body: Uint8Array): Promise<void> {
    const full = this.abs(rel);
    const temp = `${full}.${process.pid}-${threadId}-${++tempCounter}.tmp`;
    try {
      await writeFile(temp, body, { flag: 'wx' });
      await rename(temp, full); // replaces a file or a symlink itself, never what a link points to
    } catch (err) {
      await unlink(temp).catch(() => {});
      throw err;
    }
  }
}
