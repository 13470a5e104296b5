/**
 * What compare does around each run of a job: the arguments it owns, the per-run output, and the preparation
 * that makes every run start from the same state. Jobs are scrape and copy.
 */
import { existsSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { UsageError } from '../cli/exit-codes.js';
import type { RunContext } from './runner.js';
import { hashTree } from './tree-hash.js';

import { JOBS, type JobName } from './jobs.js';
import { publicUrl } from '../jobs/scrape/public-url.js';
export { JOBS, type JobName } from './jobs.js';

export interface JobPlan {
  job: JobName;
  /** The job's arguments as passed on each run (compare's own removed). */
  args: string[];
  description: string;
  notes: string[];
  runArgs?: (ctx: RunContext) => string[];
  beforeRun?: (ctx: RunContext) => void;
  afterRun?: (ctx: RunContext) => void;
  resultHash?: (ctx: RunContext) => Promise<string>;
  /** Puts things back as they were before the comparison. */
  finish: () => void;
  /** The user's paths the runs read or empty, where --report must not go (see cli/report-dir-option.ts). */
  keepOut: KeptOut[];
}

export interface KeptOut {
  path: string;
  /** How a message names it: 'the input file', 'SRC', 'DST'. */
  name: string;
  /** Why the reports must stay out of it. */
  why: string;
  kind: 'file' | 'dir';
}

/** Flags compare sets itself on every run, or that would make runs differ (a resumed run skips the work). */
const RESERVED: Record<string, string> = {
  '--threads': 'compare chooses the mode: use --modes and --workers',
  '--procs': 'compare chooses the mode: use --modes and --workers',
  '--quiet': 'compare runs every job quietly already',
  '--summary-json': 'compare sets it on every run',
  '--resume': 'a resumed run skips the work already done, so runs would not be comparable',
};

export function planJob(job: string, args: readonly string[]): JobPlan {
  for (const a of args) {
    const flag = a.split('=')[0];
    if (RESERVED[flag]) throw new UsageError(`${flag} cannot be passed to the job under compare: ${RESERVED[flag]}`);
  }
  if (job === 'scrape') return planScrape([...args]);
  if (job === 'copy') return planCopy([...args]);
  throw new UsageError(`compare runs the jobs ${JOBS.join(' and ')}, not '${job}'`);
}

function planScrape(args: string[]): JobPlan {
  const input = args[0];
  if (input === '-') throw new UsageError('compare runs the job several times: give the input as a file, not stdin');
  if (!input || input.startsWith('-')) throw new UsageError('compare scrape needs the input file right after "scrape": fanout compare scrape urls.txt [options]');
  if (!existsSync(input)) throw new UsageError(`no such input file: ${input}`);
  const { rest: withoutO, removed } = withoutOption(args, '--output', '-o');
  const notes = ["each run wrote its records to a temporary file, deleted after the run"];
  if (removed) notes.push(`the job's ${removed} was replaced by that temporary file`);
  // --save never replaces a file, so runs into one folder would each add a copy under other names (and records
  // that differ): every run saves into a fresh temporary folder instead.
  const { rest: withoutSave, removed: save } = withoutOption(withoutO, '--save');
  if (save) notes.push(`the job's ${save} was replaced by a temporary folder per run, deleted after the run`);
  // A jar written at each run's end would be the next run's -b FILE when both name it: runs would start from
  // different cookies. Each writes its own, so every run starts from the same -b.
  const { rest, removed: jar } = withoutOption(withoutSave, '--cookie-jar');
  if (jar) notes.push(`the job's ${jar} was replaced by a temporary file per run, deleted after the run`);
  // No extension: the format is the job's --format (or jsonl), which an extension could contradict.
  const out = (ctx: RunContext) => join(ctx.scratchDir, 'records');
  const saveDir = (ctx: RunContext) => join(ctx.scratchDir, 'saved');
  const jarFile = (ctx: RunContext) => join(ctx.scratchDir, 'cookies');
  return {
    job: 'scrape',
    args: rest,
    description: `fanout scrape ${shownArgs(rest).join(' ')}`,
    notes,
    runArgs: (ctx) => ['-o', out(ctx), ...(save ? ['--save', saveDir(ctx)] : []), ...(jar ? ['--cookie-jar', jarFile(ctx)] : [])],
    afterRun: (ctx) => {
      rmSync(out(ctx), { force: true });
      rmSync(saveDir(ctx), { recursive: true, force: true });
      rmSync(jarFile(ctx), { force: true });
    },
    finish: () => {},
    keepOut: [{ path: input, name: 'the input file', why: 'the report would replace the URL list', kind: 'file' }],
  };
}

/** The arguments as a report may show them: credentials hidden (-u, -b, a --proxy's userinfo, -H Authorization or Cookie). */
export function shownArgs(args: readonly string[]): string[] {
  return args.map((a, i) => {
    const prev = args[i - 1];
    if (prev === '-u' || prev === '--user' || prev === '-b' || prev === '--cookie') return '***';
    if (prev === '--proxy') return publicUrl(a);
    if ((prev === '-H' || prev === '--header') && SECRET_HEADER.test(a)) return `${a.slice(0, a.indexOf(':') + 1)} ***`;
    const attached = /^(--header=|-H)(.*)$/s.exec(a);
    if (attached && SECRET_HEADER.test(attached[2]!)) return `${a.slice(0, a.indexOf(':') + 1)} ***`;
    for (const flag of ['--user=', '--cookie=']) if (a.startsWith(flag)) return `${flag}***`;
    if (a.startsWith('--proxy=')) return `--proxy=${publicUrl(a.slice(8))}`;
    if (/^-[ub]./.test(a)) return `${a.slice(0, 2)}***`;
    return a;
  });
}

const SECRET_HEADER = /^\s*(authorization|proxy-authorization|cookie)\s*:/i;

/**
 * Removes an option from a job's arguments in every form it takes (`--long VALUE`, `--long=VALUE`, and with a
 * short name `-s VALUE` and `-sVALUE`); says which form it found.
 */
function withoutOption(args: string[], long: string, short?: string): { rest: string[]; removed: string | null } {
  const rest: string[] = [];
  let removed: string | null = null;
  const joinedShort = (a: string) => short !== undefined && a.startsWith(short) && a.length > short.length && !a.startsWith('--');
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === long || a === short) {
      removed = `${a} ${args[i + 1] ?? ''}`.trim();
      i++;
    } else if (a.startsWith(`${long}=`) || joinedShort(a)) {
      removed = a;
    } else rest.push(a);
  }
  return { rest, removed };
}

function planCopy(args: string[]): JobPlan {
  const [src, dst] = args;
  if (!src || !dst || src.startsWith('-') || dst.startsWith('-')) {
    throw new UsageError('compare copy needs SRC and DST right after "copy": fanout compare copy SRC DST [options]');
  }
  if (!existsSync(src)) throw new UsageError(`no such source: ${src}`);
  const srcReal = realpathSync(src);
  const dstAbs = resolve(dst);
  const dstReal = existsSync(dstAbs) ? realpathSync(dstAbs) : join(realpathSync(nearestExisting(dstAbs)), dstAbs.slice(nearestExisting(dstAbs).length));
  if (within(srcReal, dstReal) || within(dstReal, srcReal)) {
    // Emptying DST would delete part of the source, or the source itself.
    throw new UsageError(`DST must be outside SRC and SRC outside DST: compare empties DST before every run (${dst})`);
  }
  const existed = existsSync(dstAbs);
  if (existed) {
    if (!statSync(dstAbs).isDirectory()) throw new UsageError(`DST exists and is not a directory: ${dst}`);
    if (readdirSync(dstAbs).length > 0) {
      throw new UsageError(`DST is not empty: ${dst}. compare empties DST before every run, so give it an empty or new directory`);
    }
  }
  // Back to the state we found: an empty directory, or nothing.
  const reset = () => {
    if (!existed) return rmSync(dstAbs, { recursive: true, force: true });
    for (const name of readdirSync(dstAbs)) rmSync(join(dstAbs, name), { recursive: true, force: true });
  };
  return {
    job: 'copy',
    args,
    description: `fanout copy ${args.join(' ')}`,
    notes: [
      'DST was emptied before each run (untimed) and after the last',
      "the result hash is compare's own hash of DST after each run (untimed): paths, types, modes, sizes, file mtimes, contents, link targets",
    ],
    beforeRun: reset,
    resultHash: () => hashTree(dstAbs),
    finish: reset,
    keepOut: [
      { path: src, name: 'SRC', why: 'the reports would change the tree being copied', kind: 'dir' },
      { path: dst, name: 'DST', why: 'compare empties DST after the last run, reports and all', kind: 'dir' },
    ],
  };
}

function nearestExisting(p: string): string {
  while (!existsSync(p)) p = dirname(p);
  return p;
}

function within(parent: string, child: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
}

