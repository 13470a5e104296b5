/** A file system error in words a user reads at once, instead of Node's "EISDIR: illegal operation on a directory, read". */
export function fsErrorWords(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a part of its path is not a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ENAMETOOLONG':
      return 'its name is too long';
    case 'EIO':
      return 'an I/O error (EIO)';
    default:
      return (err as Error).message;
  }
}
