import type { Command } from 'commander';
import { approveBundle, shortKeyId } from '../../engine/index.js';
import type { CommandContext } from '../command-context.js';

/** `ferry approve`: countersign a bundle someone else prepared (the two-person rule). */
export function registerApproveCommand(program: Command, ctx: CommandContext): void {
  program
    .command('approve')
    .description("countersign a bundle as its approver (the two-person rule): signs bundle.json; refuses the preparer's own key")
    .argument('<dir>', 'the bundle folder')
    .requiredOption('--key <key>', "the approver's private key (ferry keygen)")
    .option('--json', 'machine-readable result on stdout')
    .action(async (dir: string, flags: { key: string; json?: boolean }) => {
      const result = await approveBundle(dir, flags.key);
      const invalid = result.signatures.filter((s) => !s.valid);
      if (flags.json) {
        const { signatures, ...written } = result;
        ctx.stdout.write(`${JSON.stringify({ type: 'result', ...written, invalidSignatures: invalid.length, signatures })}\n`);
        return;
      }
      ctx.stdout.write(
        `Approved bundle ${result.bundleId} in ${dir}\n` +
          `  bundle.json sha256 ${result.bundleSha256}\n` +
          `  approver key ${shortKeyId(result.keyId)} (${result.keyId})\n` +
          `  countersigns preparer key(s) ${result.preparers.map(shortKeyId).join(', ')}\n` +
          `  wrote ${result.file}\n`,
      );
      for (const s of invalid) ctx.stderr.write(`ferry: warning: ${s.file}: ${s.problem ?? 'not valid'}\n`);
    });
}
