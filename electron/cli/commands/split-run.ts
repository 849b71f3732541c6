import { checkParityCount } from '../../engine/bundle/write-parity.js';
import { FerryError } from '../../engine/errors/ferry-error.js';
import { splitBundle } from '../../engine/split/split-bundle.js';
import type { CommandContext } from '../command-context.js';
import { formatBytes } from '../output/format-bytes.js';
import { outputMode } from '../output/output-mode.js';
import { createProgressPrinter } from '../output/progress-printer.js';

/** Runs `ferry split` once its flags are parsed: the implementation, imported only when the command runs. */
export async function runSplit(ctx: CommandContext, dir: string, flags: { size: string; parity?: string; json?: boolean }): Promise<void> {
  const parity = flags.parity === undefined ? undefined : checkParityCount(flags.parity, 0);
  const mode = outputMode(flags.json, ctx.stderr);
  const printer = await createProgressPrinter(mode, ctx.stderr);
  let result;
  try {
    result = await splitBundle({ dir, size: flags.size, ...(parity !== undefined ? { parity } : {}) }, { onProgress: printer.onProgress, signal: ctx.signal });
  } catch (error) {
    printer.stop();
    // the engine says how to finish an interrupted split; a cancel must not read as "nothing left behind"
    if (error instanceof FerryError && error.code === 'cancelled') ctx.stderr.write(`ferry: ${error.message}\n`);
    throw error;
  } finally {
    printer.stop();
  }
  const warning =
    result.removedSignatures.length > 0
      ? `WARNING: removed ${result.removedSignatures.length} signature(s) (${result.removedSignatures.join(', ')}): they signed the old bundle.json. ` +
        `The bundle must be signed and approved again (ferry sign, ferry approve) before it can be trusted.`
      : undefined;
  if (warning) ctx.stderr.write(`${warning}\n`);
  if (mode === 'json') {
    ctx.stdout.write(`${JSON.stringify({ type: 'result', ...result })}\n`);
    return;
  }
  const out = ctx.stdout;
  const layout = (l: typeof result.before): string =>
    `${l.parts} part(s) of up to ${formatBytes(l.largestPart)}${l.parity > 0 ? ` + ${l.parity} parity part(s)` : ''}`;
  if (!result.changed) {
    out.write(`${result.dir} already has ${layout(result.after)}; nothing to do.\n`);
    return;
  }
  if (result.resumed) out.write(`Finished an interrupted split.\n`);
  for (const name of result.clearedLeftovers) out.write(`Removed ${name}, left by an earlier run (never mixed in).\n`);
  out.write(
    `Split ${result.dir}: ${layout(result.before)} → ${layout(result.after)}; archive sha256 unchanged (${result.manifest.archive.sha256}). ` +
      `New bundle.json and SHA256SUMS written.\n`,
  );
  if (warning) out.write(`${warning}\n`);
}
