/**
 * --include/--exclude globs. `*` and `?` never match '/', `**` matches across directories, `[...]` is a class.
 * A pattern without '/' matches an entry's name at any depth; one with '/' matches its path from SRC (a
 * leading '/' is allowed). A trailing '/' matches directories only.
 */
export interface Glob {
  test(rel: string, isDir: boolean): boolean;
}

export function compileGlob(pattern: string): Glob {
  let p = pattern;
  const dirOnly = p.endsWith('/') && p.length > 1;
  if (dirOnly) p = p.slice(0, -1);
  const anchored = p.includes('/');
  if (p.startsWith('/')) p = p.slice(1);
  const re = new RegExp(`^${toRegExp(p)}$`, 'u');
  return {
    test(rel, isDir) {
      if (dirOnly && !isDir) return false;
      return re.test(anchored ? rel : rel.slice(rel.lastIndexOf('/') + 1));
    },
  };
}

function toRegExp(p: string): string {
  let out = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '*') {
      if (p[i + 1] === '*') {
        i++;
        if (p[i + 1] === '/') {
          i++;
          out += '(?:.*/)?'; // `**/` also matches no directory at all
        } else out += '.*';
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = p.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        let body = p.slice(i + 1, end).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        out += `[${body}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return out;
}

/**
 * The walk filter: an entry matching an --exclude is left out (a directory with its whole subtree) unless it
 * also matches an --include. With --include globs only, non-directories must match one; directories are
 * still walked.
 */
export function entryFilter(includes: string[], excludes: string[]): ((rel: string, isDir: boolean) => boolean) | undefined {
  if (includes.length === 0 && excludes.length === 0) return undefined;
  const inc = includes.map(compileGlob);
  const exc = excludes.map(compileGlob);
  return (rel, isDir) => {
    const included = inc.some((g) => g.test(rel, isDir));
    if (exc.length > 0) return included || !exc.some((g) => g.test(rel, isDir));
    return isDir || included;
  };
}
