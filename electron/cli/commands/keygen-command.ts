import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';

/** `ferry keygen`: a new Ed25519 signing key, `NAME.key` and `NAME.pub`. */
export function registerKeygenCommand(program: Command, ctx: CommandContext): void {
  program
    .command('keygen')
    .description('make an Ed25519 signing key: NAME.key (private, mode 0600) and NAME.pub (public); never overwrites')
    .requiredOption('--out <name>', 'base name of the two key files (alice writes alice.key and alice.pub)')
    .option('--json', 'machine-readable result on stdout')
    .action(async (flags: { out: string; json?: boolean }) => {
      const { runKeygen } = await import('./keygen-run.js');
      await runKeygen(ctx, flags);
    });
}
