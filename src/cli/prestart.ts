/**
 * Before the CLI loads yargs and the job (~100 ms on one core), a peek at the arguments: `scrape` or `copy` with
 * `--threads N` or `--procs N` starts those workers at once, loading the job's task, on the other cores. Only a
 * head start: yargs still parses and validates everything, and a run that never uses them exits without them.
 */
import { builtPath } from '../engine/built-path.js';
import { prestart } from '../engine/runtimes/prestart.js';

const TASKS: Record<string, string> = {
  scrape: builtPath(import.meta.url, '../jobs/scrape/task.js'),
  copy: builtPath(import.meta.url, '../jobs/copy/task.js'),
};
/** More than this is not started ahead (yargs has not checked the number yet). */
const MAX_AHEAD = 64;

export function prestartFromArgv(argv: readonly string[]): void {
  const task = TASKS[argv[0] ?? ''];
  if (!task || argv.includes('--help') || argv.includes('--version')) return;
  const threads = flagValue(argv, '--threads');
  const procs = flagValue(argv, '--procs');
  if (threads !== undefined && procs !== undefined) return;
  const n = threads ?? procs;
  if (n === undefined || !/^[1-9]\d*$/.test(n) || Number(n) > MAX_AHEAD) return;
  prestart(threads !== undefined ? 'threads' : 'procs', Number(n), task);
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
