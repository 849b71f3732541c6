import type { Command } from 'commander';
import { listVolumes, type Volume } from '../../engine/index.js';
import type { CommandContext } from '../command-context.js';
import { formatBytes } from '../output/format-bytes.js';

/** `ferry media`: the removable volumes (or every mounted volume) a bundle can be written to. */
export function registerMediaCommand(program: Command, ctx: CommandContext): void {
  program
    .command('media')
    .description('list removable volumes (USB sticks, SD cards, external disks): mount point, label, file system, size, free space, device')
    .option('--all', 'list every mounted volume (USB detection varies; some USB disks report themselves as fixed)')
    .option('--json', 'print the list as JSON')
    .action(async (flags: { all?: boolean; json?: boolean }) => {
      const volumes = await listVolumes({ all: flags.all ?? false });
      if (flags.json) {
        ctx.stdout.write(`${JSON.stringify({ type: 'result', all: flags.all ?? false, volumes })}\n`);
        return;
      }
      if (volumes.length === 0) {
        ctx.stdout.write(
          flags.all
            ? 'No mounted volumes found.\n'
            : 'No removable volumes found. Insert and mount a stick, or run ferry media --all (some USB disks report themselves as fixed).\n',
        );
        return;
      }
      printVolumeTable(volumes, flags.all ?? false, ctx.stdout);
    });
}

/** Prints volumes as an aligned table. */
export function printVolumeTable(volumes: Volume[], showRemovable: boolean, out: NodeJS.WritableStream): void {
  const header = ['MOUNT', 'LABEL', 'FS', 'SIZE', 'FREE', 'DEVICE', ...(showRemovable ? ['REMOVABLE'] : [])];
  const rows = volumes.map((v) => [
    v.mount ?? '(not mounted)',
    v.label || '-',
    `${v.fsType || '?'}${v.readOnly ? ' (ro)' : ''}`,
    formatBytes(v.capacity),
    v.free === null ? '-' : formatBytes(v.free),
    [v.device, v.transport, v.model].filter(Boolean).join(' ') || '-',
    ...(showRemovable ? [v.removable ? 'yes' : 'no'] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) out.write(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}\n`);
}
