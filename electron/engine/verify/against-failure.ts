import type { AgainstReport } from '../../../shared/verify-report.js';
import { FerryError } from '../errors/ferry-error.js';

/** The error a target lacking what a delta relies on ends a command with (what to do, in one sentence). */
export function againstFailure(report: AgainstReport, listedWhere: string): FerryError | undefined {
  if (report.ok) return undefined;
  if (report.problem) return new FerryError('registry-error', report.problem, { subject: report.target });
  const n = report.missing.length;
  return new FerryError(
    'not-found',
    `${report.target} lacks ${n} blob${n === 1 ? '' : 's'} this delta relies on (listed ${listedWhere}): import the earlier bundle there first, or make the delta again against a fresh inventory of it (ferry inventory).`,
    { subject: report.target },
  );
}
