import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';

/** `ferry diff OLD NEW`: what a transfer brings compared with a bundle or inventory of what the offline side holds. */
export function registerDiffCommand(program: Command, ctx: CommandContext): void {
  program
    .command('diff')
    .description('what is new in NEW against OLD: images added, changed, removed and unchanged, and the new bytes; each a bundle folder (or its bundle.json) or an inventory file')
    .argument('<old>', 'what the offline side holds or got before: an older bundle folder (or its bundle.json) or an inventory file')
    .argument('<new>', 'the transfer to review: a bundle folder (or its bundle.json) or an inventory file')
    .option('--json', 'print the diff report as JSON')
    .action(async (oldPath: string, newPath: string, flags: { json?: boolean }) => {
      const { runDiff } = await import('./diff-run.js');
      await runDiff(ctx, oldPath, newPath, flags);
    });
}
