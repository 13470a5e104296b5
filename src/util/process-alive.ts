/**
 * Whether a temp's writer may still be writing it: its pid is alive on this host (EPERM is someone else's live
 * process). A zombie is not: it exited and only waits to be reaped, which a container's PID 1 without an init may
 * never do for a killed run's orphaned workers; read from /proc where there is one. A live pid keeps the temp even
 * when an unrelated process took a dead writer's pid (after a reboot): a stale temp is kept, which costs space,
 * never another run's file. A writer on another host of a shared file system cannot be checked this way: see
 * docs/design.md (copy safety).
 */
import { readFileSync } from 'node:fs';

export function alive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return true; // not a pid fanout wrote: keep it
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
  return !zombie(pid);
}

function zombie(pid: number): boolean {
  return processState(pid) === 'Z'; // no /proc (or not ours to read): '', the signal's answer stands
}

/** A process's state letter from /proc/<pid>/stat (R, S, Z...), '' when it is gone or cannot be read. */
export function processState(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // "pid (comm) S ...": comm may hold ')' itself, the state follows the last one.
    return stat.charAt(stat.lastIndexOf(')') + 2);
  } catch {
    return '';
  }
}
