import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BundleManifestSchema, type BundleManifest } from '../../../shared/bundle-manifest.js';
import { FerryError } from '../errors/ferry-error.js';
import { BUNDLE_FILE } from './output-folder.js';

/** A bundle's manifest as read for review, with what a reader should be warned about. */
export interface BundleInspection {
  path: string;
  manifest: BundleManifest;
  /** sha256 (hex) of the exact bytes of `bundle.json`: what signatures bind. */
  bundleSha256: string;
  warnings: string[];
}

/** Reads and checks a bundle's `bundle.json` (given the bundle folder or the file itself). */
export async function inspectBundle(target: string): Promise<BundleInspection> {
  let path = target;
  try {
    if ((await stat(target)).isDirectory()) path = join(target, BUNDLE_FILE);
  } catch (error) {
    throw new FerryError('not-found', `No bundle at ${target}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}.`, { subject: target });
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    throw new FerryError('bad-bundle', `${target} holds no ${BUNDLE_FILE}; is it a Ferry bundle folder (or an unfinished one)?`, { subject: target });
  }
  const manifest = parseBundleManifest(bytes, path);
  const bundleSha256 = createHash('sha256').update(bytes).digest('hex');
  return { path, manifest, bundleSha256, warnings: bundleWarnings(manifest) };
}

/** Parses and checks the bytes of a `bundle.json` read from `path`; throws a `bad-bundle` FerryError naming the first problem. */
export function parseBundleManifest(bytes: Buffer, path: string): BundleManifest {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new FerryError('bad-bundle', `${path} is not valid JSON.`, { subject: path });
  }
  const version = (json as { schemaVersion?: unknown })?.schemaVersion;
  if (typeof version === 'number' && version > 1) {
    throw new FerryError('bad-bundle', `${path} uses bundle schema ${version}; this Ferry reads schema 1. Use a newer Ferry.`, { subject: path });
  }
  const parsed = BundleManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FerryError('bad-bundle', `${path} is not a valid bundle manifest: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}.`, {
      subject: path,
    });
  }
  return parsed.data;
}

/** What a reviewer must know before the bundle crosses: layers left out, images docker cannot load. */
export function bundleWarnings(manifest: BundleManifest): string[] {
  const warnings: string[] = [];
  for (const image of manifest.images) {
    const left = image.foreignLayers.filter((f) => !f.carried);
    if (left.length > 0) {
      const hosts = [...new Set(left.flatMap((f) => f.urls.map(hostOf)))].join(', ') || 'their URLs';
      warnings.push(
        `${image.reference}: ${left.length} foreign layer(s) not carried; nodes will need to reach ${hosts} to pull it (bundle again with --include-foreign-layers to carry them).`,
      );
    }
  }
  return warnings;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
