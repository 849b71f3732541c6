import type { Command } from 'commander';
import { DEFAULT_CONTAINERD_NAMESPACE, FerryError, placeInContainerd, placeInFolder } from '../../engine/index.js';
import type { CommandContext } from '../command-context.js';
import { formatBytes } from '../output/format-bytes.js';
import { outputMode } from '../output/output-mode.js';
import { createProgressPrinter } from '../output/progress-printer.js';

interface PlaceFlags {
  toDir?: string;
  toContainerd?: boolean;
  address?: string;
  namespace: string;
  json?: boolean;
}

/** `ferry place`: hand a bundle to a runtime without a registry (k3s/k0s image folders, containerd). */
export function registerPlaceCommand(program: Command, ctx: CommandContext): void {
  program
    .command('place')
    .description('place a bundle where a runtime loads it without a registry: a k3s/k0s images folder, or a running containerd')
    .argument('<dirs...>', 'the bundle folder, or every volume of a multi-volume set')
    .option('--to-dir <dir>', 'write the verified archive atomically as ferry-<id>.tar into this folder (k3s: /var/lib/rancher/k3s/agent/images, k0s: /var/lib/k0s/images)')
    .option('--to-containerd', 'load every image into a running containerd through ctr (all platforms, not unpacked)')
    .option('--address <sock>', "containerd's socket (default: ctr's; k3s uses /run/k3s/containerd/containerd.sock)")
    .option('--namespace <ns>', 'containerd namespace', DEFAULT_CONTAINERD_NAMESPACE)
    .option('--json', 'machine-readable result on stdout, progress as JSON lines on stderr')
    .action(async (dirs: string[], flags: PlaceFlags) => {
      if (Boolean(flags.toDir) === Boolean(flags.toContainerd)) throw new FerryError('bad-usage', 'Give exactly one of --to-dir DIR and --to-containerd.');
      const mode = outputMode(flags.json, ctx.stderr);
      const printer = createProgressPrinter(mode, ctx.stderr);
      const controls = { onProgress: printer.onProgress, signal: ctx.signal };
      try {
        if (flags.toDir) {
          const result = await placeInFolder({ dirs, targetDir: flags.toDir }, controls);
          printer.stop();
          const { manifest, ...rest } = result;
          if (mode === 'json') ctx.stdout.write(`${JSON.stringify({ type: 'result', ...rest, bundleId: manifest.id, images: manifest.images.map((i) => ({ name: i.reference, digest: i.digest })) })}\n`);
          else
            ctx.stdout.write(
              `${result.replaced ? 'Replaced' : 'Wrote'} ${result.path} (${formatBytes(result.bytes)}, sha256 ${result.sha256} verified) with ${manifest.images.length} image(s); ` +
                `k3s and k0s import it from their images folder on their own.\n`,
            );
        } else {
          const result = await placeInContainerd({ dirs, namespace: flags.namespace, ...(flags.address ? { address: flags.address } : {}) }, controls);
          printer.stop();
          const { manifest, ...rest } = result;
          if (mode === 'json') ctx.stdout.write(`${JSON.stringify({ type: 'result', ...rest, bundleId: manifest.id })}\n`);
          else {
            ctx.stdout.write(`Loaded ${result.images.length} image(s) (${formatBytes(result.bytes)}) into containerd, namespace ${result.namespace}:\n`);
            for (const image of result.images) ctx.stdout.write(`  ${image.name}  ${image.digest}\n`);
          }
        }
      } finally {
        printer.stop();
      }
    });
}
