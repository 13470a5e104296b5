/**
 * SIGINT (Ctrl-C), SIGTERM (kill, timeout, systemd, docker stop) and SIGHUP (the terminal closed, an ssh session
 * dropped, tmux killed): the first one cancels the run cleanly (the output is flushed, temp files are removed,
 * workers are stopped); a second one exits at once. SIGHUP's default would kill the process where it stands,
 * leaving temps, a half-filled compare scratch folder and its job behind.
 *
 * The listeners stay until the process exits. Node runs a signal's listener only when the event loop next polls;
 * had a run's end removed them, a Ctrl-C that came while the loop was busy would be dropped, and the process
 * exit 0 as if no one had asked it to stop. A signal that comes once the run is over (writing its summary,
 * waiting for stdout's reader) still ends the process 129, 130 or 143: a script that runs fanout stops too.
 */
import { EXIT, EXIT_ON_SIGNAL } from './exit-codes.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type StopSignal = (typeof SIGNALS)[number];
const HOW: Record<StopSignal, string> = { SIGINT: 'interrupted', SIGTERM: 'terminated (SIGTERM)', SIGHUP: 'hung up (SIGHUP)' };

let received: StopSignal | null = null;
/** The run that a first signal cancels, and what it says then; null before and after one. */
let current: { controller: AbortController; firstLine?: () => string | null } | null = null;
let listening = false;

/**
 * The key of a function that runs as each run ends, before its signal stops cancelling it. fanout itself sets none:
 * test fixtures preloaded with `--import` do (fixtures/run-end-hold.ts holds the event loop there, as a busy end of
 * run does). It lives on globalThis under a registered symbol, so a fixture reaches whichever build of the CLI
 * runs: the bundle (dist/bundle) has its own copy of this module.
 */
export const RUN_END_SEAM = Symbol.for('fanout.seam.run-end');

function on(name: StopSignal): void {
  if (received) process.exit(EXIT_ON_SIGNAL[name]);
  received = name;
  const how = HOW[name];
  if (current) {
    const line = current.firstLine?.() ?? `fanout: ${how}, finishing what completed (Ctrl-C again to quit at once)`;
    process.stderr.write(`\n${line}\n`);
    current.controller.abort();
  } else {
    process.stderr.write(`\nfanout: ${how} after the run had finished (nothing was cut short)\n`);
  }
}

/**
 * The signal that cancels one run. `dispose()` when the run is over; the listeners stay (see above). `firstLine`
 * says what the command does on a first signal, when it knows better than "finishing what completed" (a worker
 * whose Redis is away leaves at once); null keeps that line.
 */
export function interruptSignal(firstLine?: () => string | null): { signal: AbortSignal; dispose(): void } {
  if (!listening) {
    listening = true;
    for (const name of SIGNALS) process.on(name, () => on(name));
  }
  const controller = new AbortController();
  // A signal before this run (between two runs of one process) cancels it from the start.
  if (received) controller.abort();
  const run = { controller, firstLine };
  current = run;
  return {
    signal: controller.signal,
    dispose: () => {
      (globalThis as { [RUN_END_SEAM]?: () => void })[RUN_END_SEAM]?.();
      if (current === run) current = null;
    },
  };
}

/**
 * Lets the event loop poll once, so that a signal that came while it was busy runs its listener before the exit
 * code is decided.
 */
export async function takePendingSignals(): Promise<void> {
  if (!listening) return;
  // An immediate queued from the check phase runs after the next poll; two make sure one poll comes between.
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * The exit code once a signal has stopped the process: a run that finished (0, 1) or was cancelled (130) ends as
 * the signal says; another failure (2, 141) keeps its code.
 */
export function exitCodeAfterSignals(code: number): number {
  if (!received || (code !== EXIT.OK && code !== EXIT.SOME_FAILED && code !== EXIT.INTERRUPTED)) return code;
  return EXIT_ON_SIGNAL[received];
}
