/** Set on the global object by the bundled CLI's boot (boot.ts) once it has started the workers the arguments ask for. */
export const WORKERS_STARTED_AHEAD = Symbol.for('fanout.workersStartedAhead');
