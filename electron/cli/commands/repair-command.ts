import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';

/** `ferry repair`: rebuild missing or damaged parts from the parity parts. */
export function registerRepairCommand(program: Command, ctx: CommandContext): void {
  program
    .command('repair')
    .description('check every part against bundle.json and rebuild missing or damaged parts from the parity parts (exit 0: whole, 1: not)')
    .argument('<dir>', 'the bundle folder')
    .option('--json', 'machine-readable result on stdout, progress as JSON lines on stderr')
    .action(async (dir: string, flags: { json?: boolean }) => {
      const { runRepair } = await import('./repair-run.js');
      await runRepair(ctx, dir, flags);
    });
}
