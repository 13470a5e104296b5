/** Every exit code the CLI uses, decided in one place (main.ts). */
export const EXIT = {
  /** Every item succeeded. */
  OK: 0,
  /** The run finished, but some items failed (their records say why). */
  SOME_FAILED: 1,
  /** Bad command line, unreadable input, refused operation: nothing (more) was done. */
  USAGE: 2,
  /** A bug in fanout (sysexits' EX_SOFTWARE): an error that is neither a UsageError nor a FanoutError. */
  INTERNAL: 70,
  /** Stopped the same way by SIGHUP (the terminal closed, an ssh session dropped): signals.ts turns INTERRUPTED into this. */
  HUNG_UP: 129,
  /** Interrupted by SIGINT (Ctrl-C): the output holds a clean prefix; --resume continues it. */
  INTERRUPTED: 130,
  /** Stopped the same way by SIGTERM (kill, timeout, systemd): signals.ts turns INTERRUPTED into this. */
  TERMINATED: 143,
  /** Whoever read stdout went away (`| head`): stopped at once, quietly, as a process killed by SIGPIPE. */
  STDOUT_CLOSED: 141,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code of a run a signal stopped: the shell's convention, 128 + the signal's number. */
export const EXIT_ON_SIGNAL = { SIGHUP: EXIT.HUNG_UP, SIGINT: EXIT.INTERRUPTED, SIGTERM: EXIT.TERMINATED } as const;

/** Codes of the command line's own one-line errors (docs/errors.md). */
export const CLI_CODES = [
  'USAGE', // a bad command line or a refused operation: exit 2, with a pointer to --help
  'EBADF', // the caller closed stdout (or stdin, for -) that the command needs, as cat refuses it: exit 2
  'OUTPUT_FAILED', // stdout could not take the output (an I/O error): exit 2
  'NO_SPACE', // stdout's disk is full: exit 2
  'READ_ONLY', // stdout's file system is read-only: exit 2
] as const;

export type CliErrorCode = (typeof CLI_CODES)[number];

/** A problem with what the user asked for: one line on stderr, exit 2, no stack trace. */
export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
