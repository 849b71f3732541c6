import type { Command } from 'commander';
import { generateSigningKey, shortKeyId } from '../../engine/index.js';
import type { CommandContext } from '../command-context.js';

/** `ferry keygen`: a new Ed25519 signing key, `NAME.key` and `NAME.pub`. */
export function registerKeygenCommand(program: Command, ctx: CommandContext): void {
  program
    .command('keygen')
    .description('make an Ed25519 signing key: NAME.key (private, mode 0600) and NAME.pub (public); never overwrites')
    .requiredOption('--out <name>', 'base name of the two key files (alice writes alice.key and alice.pub)')
    .option('--json', 'machine-readable result on stdout')
    .action(async (flags: { out: string; json?: boolean }) => {
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
    });
}
