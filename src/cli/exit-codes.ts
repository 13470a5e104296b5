/** Every exit code the CLI uses, decided in one place (main.ts). */
export const EXIT = {
  /** Every item succeeded. */
  OK: 0,
  /** The run finished, but some items failed (their records say why). */
  SOME_FAILED: 1,
  /** Bad command line, unreadable input, refused operation: nothing (more) was done. */
  USAGE: 2,
  /** Interrupted by SIGINT (Ctrl-C): the output holds a clean prefix; --resume continues it. */
  INTERRUPTED: 130,
  /** Stopped the same way by SIGTERM (kill, timeout, systemd): main.ts turns INTERRUPTED into this. */
  TERMINATED: 143,
  /** Whoever read stdout went away (`| head`): stopped at once, quietly, as a process killed by SIGPIPE. */
  STDOUT_CLOSED: 141,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A problem with what the user asked for: one line on stderr, exit 2, no stack trace. */
export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
