import { placeInContainerd } from '../../engine/place/place-in-containerd.js';
import { placeInFolder } from '../../engine/place/place-in-folder.js';
import type { CommandContext } from '../command-context.js';
import { formatBytes } from '../output/format-bytes.js';
import { outputMode } from '../output/output-mode.js';
import { createProgressPrinter } from '../output/progress-printer.js';

/** The flags of `ferry import` that place a bundle for a runtime instead of pushing it. */
export interface PlaceFlags {
  toDir?: string;
  toContainerd?: boolean;
  address?: string;
  namespace: string;
  json?: boolean;
}

/**
 * `ferry import --to-dir` / `--to-containerd`: hands a bundle to a runtime without a registry (a
 * k3s/k0s images folder, or a running containerd through ctr).
 */
export async function placeBundle(dirs: string[], flags: PlaceFlags, ctx: CommandContext): Promise<void> {
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
}
