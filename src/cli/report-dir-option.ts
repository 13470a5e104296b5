/** --report DIR of compare and demo: made and checked before the first run, or a usage error at once. */
import { UsageError } from './exit-codes.js';
import { errorReason } from '../util/error-reason.js';
import type { ReportDir } from '../compare/report/report-dir.js';

/** `what` names the reports in the message: 'the report' (compare) or 'the reports' (the demo's folder). */
export async function reportDirOption(dir: string, what: string): Promise<ReportDir> {
  const { prepareReportDir } = await import('../compare/report/report-dir.js');
  try {
    return prepareReportDir(dir);
  } catch (err) {
    throw new UsageError(`cannot write ${what} to ${dir}: ${errorReason(err)}`);
  }
}
