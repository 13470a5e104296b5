/**
 * Before the CLI loads yargs and the job, a peek at the arguments: `scrape` or `copy` with `--threads N` or
 * `--procs N` starts the first worker at once, loading the job's task, on another core (the workers themselves
 * are runtimes/prestart.ts's; the pool starts the others as tasks arrive, pool.ts). Only a head start: yargs
 * still parses and validates everything, and a run that never uses it exits without it. The worker machinery
 * itself loads only when workers are asked for.
 */
import { JOBS, taskModule, type JobName } from '../jobs/tasks.js';
/** More than this is not started ahead (yargs has not checked the number yet). */
const MAX_AHEAD = 64;

/** A start of workers ahead of the run: how many of which mode, loading which task module. */
export interface AheadStart {
  mode: 'threads' | 'procs';
  count: number;
  taskModule: string;
}

/** What the arguments ask to start ahead (the first worker), or null: only `scrape`/`copy` with one valid --threads or --procs. */
export function workersAhead(argv: readonly string[]): AheadStart | null {
  const job = argv[0] as JobName;
  if (!JOBS.includes(job) || argv.includes('--help') || argv.includes('--version')) return null;
  const threads = flagValue(argv, '--threads');
  const procs = flagValue(argv, '--procs');
  if (threads !== undefined && procs !== undefined) return null;
  const n = threads ?? procs;
  if (n === undefined || !/^[1-9]\d*$/.test(n) || Number(n) > MAX_AHEAD) return null;
  return { mode: threads !== undefined ? 'threads' : 'procs', count: 1, taskModule: taskModule(job) };
}

/** Starts the workers the arguments ask for; resolves once they are starting. */
export async function prestartFromArgv(argv: readonly string[]): Promise<void> {
  const ahead = workersAhead(argv);
  if (!ahead) return;
  const { prestart } = await import('../engine/runtimes/prestart.js');
  prestart(ahead.mode, ahead.count, ahead.taskModule);
}

/** The value of `--flag N` or `--flag=N` (the last one given), or undefined. */
function flagValue(argv: readonly string[], flag: string): string | undefined {
  let value: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === flag) value = argv[i + 1];
    else if (a.startsWith(`${flag}=`)) value = a.slice(flag.length + 1);
  }
  return value;
}
