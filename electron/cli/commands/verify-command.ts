import type { Command } from 'commander';
import { FerryError, verifyBundle, type VerifyBundleOptions } from '../../engine/index.js';
import type { CommandContext } from '../command-context.js';
import { outputMode } from '../output/output-mode.js';
import { createProgressPrinter } from '../output/progress-printer.js';
import { printVerifyReport } from '../output/verify-report-text.js';

interface VerifyFlags {
  json?: boolean;
}

/**
 * `ferry verify DIR...`: a bundle's integrity, every fault at once. Exit 0 intact, 1 damaged
 * (a folder without bundle.json is damaged too), 2 bad usage (no folder, or one that does not exist).
 */
export function registerVerifyCommand(program: Command, ctx: CommandContext): void {
  program
    .command('verify')
    .description('check a bundle (or every volume of a multi-volume set): bundle.json, SHA256SUMS, every part, every blob, the archive structure (exit 0: intact, 1: damaged)')
    .argument('<dirs...>', 'the bundle folder, or every volume of a multi-volume set')
    .option('--json', 'the report as JSON on stdout, progress as JSON lines on stderr')
    .action(async (dirs: string[], flags: VerifyFlags) => {
      const options: VerifyBundleOptions = { dirs };
      const mode = outputMode(flags.json, ctx.stderr);
      const printer = createProgressPrinter(mode, ctx.stderr);
      let report;
      try {
        report = await verifyBundle(options, { onProgress: printer.onProgress, signal: ctx.signal });
      } finally {
        printer.stop();
      }
      if (mode === 'json') ctx.stdout.write(`${JSON.stringify({ type: 'result', ...report })}\n`);
      else printVerifyReport(report, ctx.stdout);
      // signature (`--trust`) and policy (`--policy`) verdicts join here with their own error codes
      if (!report.integrity.ok) {
        const n = report.integrity.faults.length;
        throw new FerryError('damaged', `The bundle is damaged: ${n} fault${n === 1 ? '' : 's'} (listed ${mode === 'json' ? 'in the report' : 'above'}).`, {
          subject: report.integrity.dirs.join(', '),
        });
      }
    });
}
