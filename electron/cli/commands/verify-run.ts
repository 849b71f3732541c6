import { verifyBundle, verifyFailure, type VerifyBundleOptions } from '../../engine/verify/verify-bundle.js';
import type { CommandContext } from '../command-context.js';
import { withAdviceField } from '../output/error-hints.js';
import { outputMode } from '../output/output-mode.js';
import { createProgressPrinter } from '../output/progress-printer.js';
import { printVerifyReport } from '../output/verify-report-text.js';

/** The parsed flags of `ferry verify`. */
export interface VerifyFlags {
  json?: boolean;
  trust: string[];
  requireApproval?: boolean;
  policy?: string;
  cosignKey: string[];
  against?: string;
  map: string[];
  insecureRegistry: string[];
  caFile: string[];
}

/** Runs `ferry verify DIR...`: a bundle's integrity, every fault at once. Exit 0 intact, 1 damaged: the implementation, loaded only when the command runs. */
export async function runVerify(ctx: CommandContext, dirs: string[], flags: VerifyFlags): Promise<void> {
  const options: VerifyBundleOptions = {
    dirs,
    trustedKeys: flags.trust,
    requireApproval: flags.requireApproval ?? false,
    ...(flags.policy ? { policy: flags.policy } : {}),
    ...(flags.cosignKey.length > 0 ? { cosignKeys: flags.cosignKey } : {}),
    ...(flags.against !== undefined ? { against: flags.against, registry: { insecureRegistries: flags.insecureRegistry, caFiles: flags.caFile } } : {}),
    ...(flags.map.length > 0 ? { mapRules: flags.map } : {}),
  };
  const mode = outputMode(flags.json, ctx.stderr);
  const printer = await createProgressPrinter(mode, ctx.stderr);
  let report;
  try {
    report = await verifyBundle(options, { onProgress: printer.onProgress, signal: ctx.signal });
  } finally {
    printer.stop();
  }
  if (mode === 'json') ctx.stdout.write(`${JSON.stringify({ type: 'result', ...report, ...(report.policy ? { policy: { ...report.policy, violations: report.policy.violations.map(withAdviceField) } } : {}) })}\n`);
  else printVerifyReport(report, ctx.stdout);
  const failure = verifyFailure(report, mode === 'json' ? 'in the report' : 'above');
  if (failure) throw failure;
}
