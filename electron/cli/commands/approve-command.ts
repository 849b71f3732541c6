import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';

/** `ferry approve`: countersign a bundle someone else prepared (the two-person rule). */
export function registerApproveCommand(program: Command, ctx: CommandContext): void {
  program
    .command('approve')
    .description("countersign a bundle as its approver (the two-person rule): verifies it whole, then signs bundle.json; refuses the preparer's own key")
    .argument('<dirs...>', 'the bundle folder, or every volume of a multi-volume set (each gets the approval)')
    .requiredOption('--key <key>', "the approver's private key (ferry keygen)")
    .option('--json', 'machine-readable result on stdout')
    .action(async (dirs: string[], flags: { key: string; json?: boolean }) => {
      // approving verifies the bundle first: its hashing thread boots on the other core while the modules load
      (await import('../../engine/verify/verify-hasher.js')).prestartVerifyHasher(dirs);
      // loaded only when the command runs: keeps `ferry --version`/`--help` and other commands fast
      const [{ approveBundle }, { shortKeyId }, { outputMode }, { createProgressPrinter }] = await Promise.all([
        import('../../engine/trust/approve-bundle.js'),
        import('../../engine/trust/key-id.js'),
        import('../output/output-mode.js'),
        import('../output/progress-printer.js'),
      ]);
      // approving vouches for the bundle: it is verified whole first, with progress like ferry verify
      const printer = await createProgressPrinter(outputMode(flags.json, ctx.stderr), ctx.stderr);
      let result;
      try {
        result = await approveBundle(dirs, flags.key, { onProgress: printer.onProgress, signal: ctx.signal });
      } finally {
        printer.stop();
      }
      const invalid = result.signatures.filter((s) => !s.valid);
      if (flags.json) {
        const { signatures, ...written } = result;
        ctx.stdout.write(`${JSON.stringify({ type: 'result', ...written, invalidSignatures: invalid.length, signatures })}\n`);
        return;
      }
      ctx.stdout.write(
        `Approved bundle ${result.bundleId} ${result.volumes.length === 1 ? 'in' : `on ${result.volumes.length} volumes:`} ${result.volumes.map((v) => v.dir).join(', ')}\n` +
          `  bundle.json sha256 ${result.bundleSha256}\n` +
          `  approver key ${shortKeyId(result.keyId)} (${result.keyId})\n` +
          `  countersigns preparer key(s) ${result.preparers.map(shortKeyId).join(', ')}\n` +
          result.volumes.map((v) => `  wrote ${v.file}\n`).join(''),
      );
      for (const s of invalid) ctx.stderr.write(`ferry: warning: ${s.file}: ${s.problem ?? 'not valid'}\n`);
    });
}
