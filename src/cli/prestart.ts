/**
 * Before the CLI loads yargs and the job, a peek at the arguments: `scrape` or `copy` with `--threads N` or
 * `--procs N` starts those workers at once, loading the job's task, on the other cores (the workers themselves
 * are runtimes/prestart.ts's). Only a head start: yargs still parses and validates everything, and a run that
 * never uses them exits without them. The worker machinery itself loads only when workers are asked for.
 */
import { JOBS, taskModule, type JobName } from '../jobs/tasks.js';
/** More than this is not started ahead (yargs has not checked the number yet). */
const MAX_AHEAD = 64;

/** Starts the workers the arguments ask for; resolves once they are starting. */
export async function prestartFromArgv(argv: readonly string[]): Promise<void> {
  const job = argv[0] as JobName;
  if (!JOBS.includes(job) || argv.includes('--help') || argv.includes('--version')) return;
  const threads = flagValue(argv, '--threads');
  const procs = flagValue(argv, '--procs');
  if (threads !== undefined && procs !== undefined) return;
  const n = threads ?? procs;
  if (n === undefined || !/^[1-9]\d*$/.test(n) || Number(n) > MAX_AHEAD) return;
  const { prestart } = await import('../engine/runtimes/prestart.js');
  prestart(threads !== undefined ? 'threads' : 'procs', Number(n), taskModule(job));
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
