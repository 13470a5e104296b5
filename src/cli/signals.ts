/**
 * SIGINT (Ctrl-C) and SIGTERM (kill, timeout, systemd, docker stop): the first one cancels the run cleanly (the
 * output is flushed, temp files are removed, workers are stopped); a second one exits at once.
 */
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type StopSignal = (typeof SIGNALS)[number];
/** The shell's convention: 128 + the signal's number. */
const EXIT_ON: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 };

let received: StopSignal | null = null;

/** The signal that interrupted this process's run, if one did. */
export function interruptedBy(): StopSignal | null {
  return received;
}

export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const on = (name: StopSignal) => () => {
    if (controller.signal.aborted) process.exit(EXIT_ON[name]);
    received = name;
    const how = name === 'SIGINT' ? 'interrupted' : 'terminated (SIGTERM)';
    process.stderr.write(`\nfanout: ${how}, finishing what completed (Ctrl-C again to quit at once)\n`);
    controller.abort();
  };
  const handlers = SIGNALS.map((name) => [name, on(name)] as const);
  for (const [name, handler] of handlers) process.on(name, handler);
  return { signal: controller.signal, dispose: () => handlers.forEach(([name, handler]) => process.off(name, handler)) };
}
