/** --report DIR of compare and demo: made and checked before the first run, or a usage error at once. */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UsageError } from './exit-codes.js';
import { errorReason } from '../util/error-reason.js';
import type { ReportDir } from '../compare/report/report-dir.js';
import type { KeptOut } from '../compare/job-plan.js';

/**
 * `what` names the reports in the message: 'the report' (compare) or 'the reports' (the demo's folder). `keepOut`:
 * the job's own paths (a copy's SRC and DST, a scrape's input), refused as a place for the reports before anything
 * is made.
 */
export async function reportDirOption(dir: string, what: string, keepOut: readonly KeptOut[] = []): Promise<ReportDir> {
  for (const k of keepOut) refuseInside(dir, k);
  const [{ prepareReportDir }, { REPORT_FILES }] = await Promise.all([import('../compare/report/report-dir.js'), import('../compare/report/write.js')]);
  for (const k of keepOut) if (k.kind === 'file') refuseReportFile(dir, k, REPORT_FILES);
  try {
    return prepareReportDir(dir);
  } catch (err) {
    throw new UsageError(`cannot write ${what} to ${dir}: ${errorReason(err)}`);
  }
}

/** The report folder inside (or equal to) a folder of the job's, compared by real paths (links resolved). */
function refuseInside(dir: string, k: KeptOut): void {
  if (k.kind !== 'dir' || !existsSync(k.path)) return;
  const rel = relative(realpathSync(k.path), realOf(resolve(dir)));
  if (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`)) {
    throw new UsageError(`--report ${dir} is inside ${k.name} (${k.path}): ${k.why}`);
  }
}

/** A report file's name in the folder that is the job's input (the same file through any path or link). */
function refuseReportFile(dir: string, k: KeptOut, names: readonly string[]): void {
  const input = statOrNull(k.path);
  if (!input) return;
  for (const name of names) {
    const s = statOrNull(join(dir, name));
    if (s && s.dev === input.dev && s.ino === input.ino) throw new UsageError(`--report ${dir} holds ${k.name} as ${name}: ${k.why}`);
  }
}

/** The real path of `p`, which may not exist yet: its deepest existing ancestor's real path, plus the rest. */
function realOf(p: string): string {
  let head = p;
  while (!existsSync(head) && dirname(head) !== head) head = dirname(head);
  return join(realpathSync(head), relative(head, p));
}

function statOrNull(p: string) {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}
