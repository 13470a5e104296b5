/**
 * Whether this process exists only to run tasks (a `procs` worker): there, and nowhere else, a task may change
 * process-wide state such as the working directory. The main thread of the caller's process (async mode, the
 * library in someone's program) and worker threads (one cwd for the whole process) never are.
 */
let own = false;

/** Called by the process entry, once, before any task module is loaded. */
export function markOwnProcess(): void {
  own = true;
}

export function isOwnProcess(): boolean {
  return own;
}
