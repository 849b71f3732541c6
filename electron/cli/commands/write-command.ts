import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { collect } from '../collect.js';
import type { WriteFlags } from './write-run.js';

/** `ferry write`: a bundle onto one or more volumes, read back from the device. */
export function registerWriteCommand(program: Command, ctx: CommandContext): void {
  program
    .command('write')
    .description('write a bundle onto removable volumes (several when it does not fit one), then read every part back')
    .argument('<dir>', 'the bundle folder')
    .option('--to <mount>', 'a volume (mount point or folder on it) to write to; repeat for more volumes, in order', collect, [])
    .option('--plan <size>', 'write nothing: say how many volumes of this size the bundle needs (32GB, 64GB, 29.8GiB)')
    .option('--fs <type>', 'with --plan: the volumes\u2019 file system (fat32, exfat, ntfs); FAT32 takes no file over 4 GiB − 1')
    .option('--capacity <size>', 'use at most this much of each volume (default: its free space)')
    .option('--force', 'replace a different bundle found on a volume')
    .option('--dry-run', 'print the plan for the given volumes and write nothing')
    .option('--json', 'machine-readable plan or result on stdout, progress as JSON lines on stderr')
    .action(async (dir: string, flags: WriteFlags) => {
      const { runWrite } = await import('./write-run.js');
      await runWrite(ctx, dir, flags);
    });
}
