/**
 * --include/--exclude globs, matched as rsync matches its filter patterns:
 * - `*` and `?` never match '/', `[...]` is a class (`[!...]` negated), a backslash makes the next character literal;
 * - `**` matches anything, '/' included (`**\/` also matches no directory at all);
 * - a pattern without '/' (a trailing one aside) and without `**` matches an entry's name, at any depth;
 * - one with a '/' inside, or with `**`, matches the end of the entry's path from SRC, on a '/' boundary (`b/c`
 *   matches `b/c` and `a/b/c`), unless it starts with '/': then it is anchored at SRC (`/b/c` matches `b/c` only);
 * - a trailing '/' matches directories only; a trailing `/***` matches the directory and everything in it.
 */
export interface Glob {
  test(rel: string, isDir: boolean): boolean;
}

export function compileGlob(pattern: string): Glob {
  let p = pattern;
  let tail = '';
  if (p.endsWith('/***') && p.length > 4) {
    p = p.slice(0, -4);
    tail = '(?:/.*)?';
  }
  const dirOnly = !tail && p.endsWith('/') && p.length > 1;
  if (dirOnly) p = p.slice(0, -1);
  const anchored = p.startsWith('/');
  if (anchored) p = p.slice(1);
  const wholePath = anchored || p.includes('/') || p.includes('**') || tail !== '';
  const re = new RegExp(`${anchored ? '^' : wholePath ? '(?:^|/)' : '^'}${toRegExp(p)}${tail}$`, 'su');
  return {
    test(rel, isDir) {
      if (dirOnly && !isDir) return false;
      return re.test(wholePath ? rel : rel.slice(rel.lastIndexOf('/') + 1));
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
    else if (c === '\\' && i + 1 < p.length) out += p[++i].replace(/[.*?+^${}()|[\]\\/]/g, '\\$&');
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
