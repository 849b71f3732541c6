import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';

/** `ferry sign`: sign an existing bundle as its preparer (what `ferry bundle --sign-key` does at the end). */
export function registerSignCommand(program: Command, ctx: CommandContext): void {
  program
    .command('sign')
    .description('verify an existing bundle whole and sign it as its preparer (like ferry bundle --sign-key); approvers use ferry approve')
    .argument('<dir>', 'the bundle folder')
    .requiredOption('--key <key>', "the preparer's private key (ferry keygen)")
    .option('--json', 'machine-readable result on stdout')
    .action(async (dir: string, flags: { key: string; json?: boolean }) => {
      // signing verifies the bundle first: its hashing thread boots on the other core while the modules load
      (await import('../../engine/verify/verify-hasher.js')).prestartVerifyHasher([dir]);
      const { runSign } = await import('./sign-run.js');
      await runSign(ctx, dir, flags);
    });
}
