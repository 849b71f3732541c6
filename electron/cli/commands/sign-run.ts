import { signBundle } from '../../engine/trust/sign-bundle.js';
import { shortKeyId } from '../../engine/trust/key-id.js';
import type { CommandContext } from '../command-context.js';

/** Runs `ferry sign` once its flags are parsed: the implementation, imported only when the command runs. */
export async function runSign(ctx: CommandContext, dir: string, flags: { key: string; json?: boolean }): Promise<void> {
  const result = await signBundle(dir, flags.key, 'preparer');
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
