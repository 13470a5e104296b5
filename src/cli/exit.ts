/**
 * How the CLI process ends. It exits as soon as the command is done rather than wait for V8's idle work (~100 ms
 * tiering up undici's WebAssembly parser), but not before stdout and stderr have handed every byte to their
 * readers: on Linux a write to a pipe is asynchronous in Node, and process.exit() drops what is still queued
 * (a slow `| wc -l` got a third of a copy's plan). Writes to files and terminals are synchronous: nothing waits.
 */
import { EXIT } from './exit-codes.js';
import { diskStopCode } from '../util/disk-stop.js';
import { errorReason } from '../util/error-reason.js';
import { exitCodeAfterSignals, takePendingSignals } from './signals.js';

type Flushed = { ok: true } | { ok: false; error: NodeJS.ErrnoException };

/** The exit code of a finished run whose stdout reader left early (`| head`). */
let goneCode: number = EXIT.STDOUT_CLOSED;

/**
 * A command whose stdout is only a view of what it did (copy's --dry-run plan) ends with its own code when the
 * reader goes away; by default the run ends as SIGPIPE would end it, 141.
 */
export function exitCodeWhenStdoutGone(code: number): void {
  goneCode = code;
}

const failures = new Map<NodeJS.WriteStream, NodeJS.ErrnoException>();
let watching = false;

/**
 * Keeps the first error of stdout and stderr for the exit code (Node does not set `errored` on them), and makes a
 * reader that went away (EPIPE) no uncaught 'error' event and its stack trace. Called once, at the CLI's start.
 */
export function watchStdio(): void {
  if (watching) return;
  watching = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (!failures.has(stream)) failures.set(stream, err);
    });
  }
}

/** Resolves once everything written to `stream` so far is out, or can never be. */
function flushed(stream: NodeJS.WriteStream): Promise<Flushed> {
  const failed = failures.get(stream) ?? stream.errored;
  if (failed) return Promise.resolve({ ok: false, error: failed });
  if (stream.destroyed || (stream.writableLength === 0 && !stream.writableNeedDrain)) return Promise.resolve({ ok: true });
  return new Promise((resolve) => {
    const onError = (error: Error) => resolve({ ok: false, error }); // never an uncaught 'error' event
    stream.once('error', onError);
    // Writes complete in order: an empty write's callback runs once every earlier one is out.
    stream.write('', (error) => {
      stream.off('error', onError);
      resolve(error ? { ok: false, error } : { ok: true });
    });
  });
}

/**
 * Waits for stdout and stderr to drain, then exits with `code`. A run that finished (0 or 1) but whose stdout
 * could not take everything exits 141 when the reader left (EPIPE), 2 with one line for any other failure; a run
 * that a signal stopped exits 130 (SIGINT) or 143 (SIGTERM).
 */
export async function exitWhenFlushed(code: number): Promise<never> {
  const [out] = await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  // A Ctrl-C or SIGTERM that came while the run was ending is never dropped: it decides the exit code.
  await takePendingSignals();
  code = exitCodeAfterSignals(code);
  if (!out.ok && (code === EXIT.OK || code === EXIT.SOME_FAILED)) {
    if (out.error.code === 'EPIPE') code = goneCode;
    else {
      process.stderr.write(`fanout: ${diskStopCode(out.error) ?? 'OUTPUT_FAILED'}: cannot write stdout: ${errorReason(out.error)}\n`);
      code = EXIT.USAGE;
    }
  }
  process.exit(code);
}
