import { listVolumes, type Volume } from '../../engine/media/list-volumes.js';
import type { CommandContext } from '../command-context.js';
import { formatBytes } from '../output/format-bytes.js';

/** Runs `ferry media` once its flags are parsed: the implementation, imported only when the command runs. */
export async function runMedia(ctx: CommandContext, flags: { all?: boolean; json?: boolean }): Promise<void> {
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
