import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';

/** `ferry media`: the removable volumes (or every mounted volume) a bundle can be written to. */
export function registerMediaCommand(program: Command, ctx: CommandContext): void {
  program
    .command('media')
    .description('list removable volumes (USB sticks, SD cards, external disks): mount point, label, file system, size, free space, device')
    .option('--all', 'list every mounted volume (USB detection varies; some USB disks report themselves as fixed)')
    .option('--json', 'print the list as JSON')
    .action(async (flags: { all?: boolean; json?: boolean }) => {
      const { runMedia } = await import('./media-run.js');
      await runMedia(ctx, flags);
    });
}
