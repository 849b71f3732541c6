import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';

/** `ferry split`: re-split an existing bundle in place for other media. */
export function registerSplitCommand(program: Command, ctx: CommandContext): void {
  program
    .command('split')
    .description('re-split a bundle in place into parts of another size (and parity); the archive is unchanged, signatures are removed')
    .argument('<dir>', 'the bundle folder')
    .requiredOption('--size <size|fat32>', 'the new largest part size (700MB, 3MiB, 4GiB, fat32)')
    .option('--parity <n>', 'parity parts after the split, 0–32 (0 removes parity; default: as many as now)')
    .option('--json', 'machine-readable result on stdout, progress as JSON lines on stderr')
    .action(async (dir: string, flags: { size: string; parity?: string; json?: boolean }) => {
      const { runSplit } = await import('./split-run.js');
      await runSplit(ctx, dir, flags);
    });
}
