import { signBundle } from '../../engine/trust/sign-bundle.js';
import { shortKeyId } from '../../engine/trust/key-id.js';
import type { CommandContext } from '../command-context.js';
import { outputMode } from '../output/output-mode.js';
import { createProgressPrinter } from '../output/progress-printer.js';

/** Runs `ferry sign` once its flags are parsed: the implementation, imported only when the command runs. */
export async function runSign(ctx: CommandContext, dir: string, flags: { key: string; json?: boolean }): Promise<void> {
  // signing vouches for the bundle: it is verified whole first, with progress like ferry verify
  const printer = await createProgressPrinter(outputMode(flags.json, ctx.stderr), ctx.stderr);
  let result;
  try {
    result = await signBundle(dir, flags.key, 'preparer', { onProgress: printer.onProgress, signal: ctx.signal });
  } finally {
    printer.stop();
  }
  if (flags.json) {
    ctx.stdout.write(`${JSON.stringify({ type: 'result', ...result })}\n`);
    return;
  }
  ctx.stdout.write(
    `Signed bundle ${result.bundleId} as preparer\n` +
      `  bundle.json sha256 ${result.bundleSha256}\n` +
      `  key ${shortKeyId(result.keyId)} (${result.keyId})\n` +
      `  wrote ${result.file}\n`,
  );
}
