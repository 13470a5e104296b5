/**
 * Node's system errors repeat their code and the call ("ENOENT: no such file or directory, open '/x/y'"): a
 * message that already names the path wants the reason alone ("no such file or directory").
 */
export function errorReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (!e?.syscall) return e?.message ?? String(err);
  return e.message.replace(/^[A-Z]+: /, '').replace(/, \w+( '.*')?$/, '');
}
