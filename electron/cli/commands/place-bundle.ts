import { placeInContainerd } from '../../engine/place/place-in-containerd.js';
import { placeInFolder } from '../../engine/place/place-in-folder.js';
import { openVerifiedBases, reliesOnBlobs } from '../../engine/place/complete-archive.js';
import { openVerifiedBundle, type VerifiedBundle } from '../../engine/verify/open-verified-bundle.js';
import type { VerifyBundleOptions } from '../../engine/verify/verify-bundle.js';
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
  /** A delta's earlier bundles (`--base DIR`, repeatable; every volume of a set): a complete archive is placed. */
  base?: string[];
  json?: boolean;
}

/**
 * `ferry import --to-dir` / `--to-containerd`: hands a bundle to a runtime without a registry (a
 * k3s/k0s images folder, or a running containerd through ctr).
 */
export async function placeBundle(dirs: string[], checks: Omit<VerifyBundleOptions, 'dirs'>, flags: PlaceFlags, ctx: CommandContext): Promise<VerifiedBundle> {
  const mode = outputMode(flags.json, ctx.stderr);
  const printer = await createProgressPrinter(mode, ctx.stderr);
  const controls = { onProgress: printer.onProgress, signal: ctx.signal };
  try {
    const bundle = await openVerifiedBundle({ dirs, ...checks, consequence: 'nothing was placed' }, controls);
    // a delta is made complete from its earlier bundles, each verified too; a complete bundle needs none
    const delta = reliesOnBlobs(bundle.manifest);
    const bases = delta ? await openVerifiedBases(flags.base ?? [], 'nothing was placed', controls) : [];
    if (!delta && (flags.base?.length ?? 0) > 0) printer.onProgress({ kind: 'warning', message: `${bundle.dirs.join(', ')} is a complete bundle: --base is not needed and was not read.` });
    const baseIds = bases.map((b) => b.manifest.id);
    const completed = delta ? ` (delta ${bundle.manifest.id} made complete with blobs from bundle${baseIds.length === 1 ? '' : 's'} ${baseIds.join(', ')})` : '';
    if (flags.toDir) {
      const result = await placeInFolder({ bundle, bases, targetDir: flags.toDir }, controls);
      printer.stop();
      const { manifest, ...rest } = result;
      if (mode === 'json') ctx.stdout.write(`${JSON.stringify({ type: 'result', ...rest, bundleId: manifest.id, ...(delta ? { bases: baseIds } : {}), images: manifest.images.map((i) => ({ name: i.reference, digest: i.digest })) })}\n`);
      else
        ctx.stdout.write(
          `${result.replaced ? 'Replaced' : 'Wrote'} ${result.path} (${formatBytes(result.bytes)}, sha256 ${result.sha256}${delta ? ', every blob checked' : ' verified'}) with ${manifest.images.length} image(s)${completed}; ` +
            `k3s and k0s import it from their images folder on their own.\n`,
        );
    } else {
      const result = await placeInContainerd({ bundle, bases, namespace: flags.namespace, ...(flags.address ? { address: flags.address } : {}) }, controls);
      printer.stop();
      const { manifest, ...rest } = result;
      if (mode === 'json') ctx.stdout.write(`${JSON.stringify({ type: 'result', ...rest, bundleId: manifest.id, ...(delta ? { bases: baseIds } : {}) })}\n`);
      else {
        ctx.stdout.write(`Loaded ${result.images.length} image(s) (${formatBytes(result.bytes)}) into containerd, namespace ${result.namespace}${completed}:\n`);
        for (const image of result.images) ctx.stdout.write(`  ${image.name}  ${image.digest}\n`);
      }
    }
    return bundle;
  } finally {
    printer.stop();
  }
}
