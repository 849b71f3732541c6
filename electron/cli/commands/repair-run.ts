import { FerryError } from '../../engine/errors/ferry-error.js';
import { repairBundle } from '../../engine/repair/repair-bundle.js';
import type { CommandContext } from '../command-context.js';
import { outputMode } from '../output/output-mode.js';
import { createProgressPrinter } from '../output/progress-printer.js';

/** Runs `ferry repair` once its flags are parsed: the implementation, imported only when the command runs. */
export async function runRepair(ctx: CommandContext, dir: string, flags: { json?: boolean }): Promise<void> {
  const mode = outputMode(flags.json, ctx.stderr);
  const printer = await createProgressPrinter(mode, ctx.stderr);
  let result;
  try {
    result = await repairBundle(dir, { onProgress: printer.onProgress, signal: ctx.signal });
  } finally {
    printer.stop();
  }
  if (mode === 'json') {
    ctx.stdout.write(`${JSON.stringify({ type: 'result', ...result })}\n`);
  } else {
    const out = ctx.stdout;
    out.write(`Checked ${result.partsChecked} part(s) of ${result.dir} against bundle.json (${result.parityParts} parity part(s)).\n`);
    for (const d of result.damaged) {
      out.write(`  ${d.problem}\n    ${d.rebuilt ? '→ rebuilt from parity; its sha256 matches bundle.json' : `→ NOT rebuilt: ${d.reason ?? 'unknown'}`}\n`);
    }
    if (result.sums === 'written') out.write(`  SHA256SUMS rewritten from bundle.json.\n`);
    for (const name of result.clearedLeftovers) out.write(`  removed the leftover ${name} of an earlier run\n`);
    if (result.whole) {
      const rebuilt = result.damaged.filter((d) => d.rebuilt).length;
      out.write(rebuilt > 0 ? `Repaired: rebuilt ${rebuilt} part(s); the bundle is whole.\n` : `Nothing to repair: the bundle is whole.\n`);
    }
  }
  if (!result.whole) throw new FerryError('damaged', `The bundle is not whole: ${result.problems.join(' ')}`, { subject: result.dir });
}
