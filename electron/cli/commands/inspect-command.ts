import type { Command } from 'commander';
import { inspectBundle } from '../../engine/index.js';
import type { CommandContext } from '../command-context.js';
import { formatBytes } from '../output/format-bytes.js';
import { printImageTable } from '../output/image-table.js';

/** `ferry inspect`: what a bundle holds, from its bundle.json. */
export function registerInspectCommand(program: Command, ctx: CommandContext): void {
  program
    .command('inspect')
    .description('show what a bundle holds: images, digests, sources, platforms, sizes, archive parts')
    .argument('<dir>', 'the bundle folder (or its bundle.json)')
    .option('--json', 'print bundle.json and the warnings as JSON')
    .action(async (dir: string, flags: { json?: boolean }) => {
      const { manifest, warnings, path } = await inspectBundle(dir);
      if (flags.json) {
        ctx.stdout.write(`${JSON.stringify({ type: 'result', path, warnings, bundle: manifest }, null, 2)}\n`);
        return;
      }
      const out = ctx.stdout;
      out.write(`Bundle ${manifest.id}\n  created ${manifest.created} by ${manifest.tool.name} ${manifest.tool.version}\n`);
      out.write(`  platforms: ${manifest.platforms?.join(', ') ?? 'all (as published)'}\n\n`);
      printImageTable(manifest, out);
      out.write(`\nSources and digests:\n`);
      for (const image of manifest.images) {
        out.write(`  ${image.source}\n    from     ${image.reference}\n    original ${image.originalDigest}\n`);
        if (image.digest !== image.originalDigest) out.write(`    carried  ${image.digest} (platforms filtered)\n`);
        if (!image.dockerLoadable) out.write(`    not in manifest.json: docker load cannot load it (a layer is not carried)\n`);
      }
      const total = manifest.blobs.reduce((n, b) => n + b.size, 0);
      out.write(`\n${manifest.blobs.length} distinct blobs, ${formatBytes(total)}\n`);
      out.write(`Archive ${manifest.archive.name}: ${formatBytes(manifest.archive.size)}, sha256 ${manifest.archive.sha256}\n`);
      for (const part of manifest.archive.parts) out.write(`  ${part.name}  ${formatBytes(part.size)}  ${part.sha256}\n`);
      for (const w of warnings) out.write(`\nwarning: ${w}\n`);
    });
}
