import { generateSigningKey } from '../../engine/trust/generate-signing-key.js';
import { shortKeyId } from '../../engine/trust/key-id.js';
import type { CommandContext } from '../command-context.js';

/** Runs `ferry keygen` once its flags are parsed: the implementation, imported only when the command runs. */
export async function runKeygen(ctx: CommandContext, flags: { out: string; json?: boolean }): Promise<void> {
  const key = await generateSigningKey(flags.out);
  if (flags.json) {
    ctx.stdout.write(`${JSON.stringify({ type: 'result', ...key })}\n`);
    return;
  }
  ctx.stdout.write(
    `Key id ${key.keyId} (short ${shortKeyId(key.keyId)})\n` +
      `  private key  ${key.privateKeyFile}  keep it secret; sign with ferry bundle --sign-key or ferry approve --key\n` +
      `  public key   ${key.publicKeyFile}  give it to whoever checks signatures (ferry verify --trust)\n`,
  );
}
