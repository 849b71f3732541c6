import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BundleManifestSchema, type BundleManifest, type ImageRecord } from '../../../shared/bundle-manifest.js';
import { formatPlatformRecord } from '../../../shared/format.js';
import type { ErrorHint } from '../../../shared/errors.js';
import { FerryError } from '../errors/ferry-error.js';
import { parseStrictJson } from '../util/parse-strict-json.js';
import { readRegularFile } from '../util/read-regular-file.js';
import { assertManifestConsistent, checkManifestConsistency } from './check-manifest-consistency.js';
import { BUNDLE_FILE } from './output-folder.js';
import { DELTA_NOT_LOADABLE, describeDelta } from './describe-delta.js';

/** A bundle's manifest as read for review, with what a reader should be warned about. */
export interface BundleInspection {
  path: string;
  manifest: BundleManifest;
  /** sha256 (hex) of the exact bytes of `bundle.json`: what signatures bind. */
  bundleSha256: string;
  warnings: string[];
  /** What the user can do about the warnings, worded by each surface (a delta: import it with its bases; foreign layers left out: carry them). */
  hints: ErrorHint[];
}

/** Whether a path given for a bundle-or-inventory names a bundle (a folder, or a file named `bundle.json`); undefined when it does not exist. */
export async function isBundlePath(path: string): Promise<boolean | undefined> {
  const info = await stat(path).catch(() => undefined);
  return info === undefined ? undefined : info.isDirectory() || basename(path) === BUNDLE_FILE;
}

/** `bundle.json` larger than this is not read (a bundle of thousands of images stays far below). */
export const MAX_BUNDLE_JSON_BYTES = 64 * 1024 * 1024;

/**
 * Reads and checks a bundle's `bundle.json` (given the bundle folder or the file itself): a regular file (never
 * a link, FIFO or device) of bounded size, strict JSON, the schema, and consistent in itself
 * ({@link checkManifestConsistency}). The one way every command reads a manifest.
 */
export async function inspectBundle(target: string): Promise<BundleInspection> {
  let path = target;
  try {
    if ((await stat(target)).isDirectory()) path = join(target, BUNDLE_FILE);
  } catch (error) {
    throw new FerryError('not-found', `No bundle at ${target}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}.`, { subject: target });
  }
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(path, { maxBytes: MAX_BUNDLE_JSON_BYTES, what: path });
  } catch (error) {
    if (error instanceof FerryError && error.code === 'not-found') {
      throw new FerryError('bad-bundle', `${target} holds no ${BUNDLE_FILE}; is it a Ferry bundle folder (or an unfinished one)?`, { subject: target });
    }
    throw error;
  }
  const manifest = parseBundleManifest(bytes, path);
  const bundleSha256 = createHash('sha256').update(bytes).digest('hex');
  const foreignLeft = manifest.images.some((image) => image.foreignLayers.some((f) => !f.carried));
  const hints: ErrorHint[] = [...(manifest.delta ? (['base-bundles'] as const) : []), ...(foreignLeft ? (['include-foreign-layers'] as const) : [])];
  return { path, manifest, bundleSha256, warnings: bundleWarnings(manifest), hints };
}

/** Parses and checks the bytes of a `bundle.json` read from `path`; throws a `bad-bundle` FerryError naming the problems. */
export function parseBundleManifest(bytes: Buffer, path: string): BundleManifest {
  const { manifest, problems } = readBundleManifest(bytes, path);
  if (problems.length > 0) assertManifestConsistent(manifest, path);
  return manifest;
}

/**
 * Parses the bytes of a `bundle.json`: strict JSON (UTF-8, no key twice, bounded nesting) and the schema, or a
 * `bad-bundle` FerryError; then every way it contradicts itself, as sentences (verify lists each as a fault).
 */
export function readBundleManifest(bytes: Buffer, path: string): { manifest: BundleManifest; problems: string[] } {
  let json: unknown;
  try {
    json = parseStrictJson(bytes);
  } catch (error) {
    throw new FerryError('bad-bundle', `${path} is not a manifest Ferry reads: ${(error as Error).message}.`, { subject: path });
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
  return { manifest: parsed.data, problems: checkManifestConsistency(parsed.data) };
}

/** What a reviewer must know before the bundle crosses: a delta and what it relies on, layers left out, images docker cannot load. */
export function bundleWarnings(manifest: BundleManifest): string[] {
  const warnings: string[] = [];
  const delta = describeDelta(manifest);
  if (delta) warnings.push(`${delta.headline} ${DELTA_NOT_LOADABLE}`);
  for (const image of manifest.images) {
    const left = image.foreignLayers.filter((f) => !f.carried);
    if (left.length > 0) {
      const hosts = [...new Set(left.flatMap((f) => f.urls.map(hostOf)))].join(', ') || 'their URLs';
      warnings.push(
        `${image.reference}: ${left.length} foreign layer(s) not carried; nodes will need to reach ${hosts} to pull it.`,
      );
    }
    if (image.missingPlatforms?.length) warnings.push(missingPlatformsNote(image));
  }
  return warnings;
}

/** The warning for an image carried without some of the platforms asked for (`missingPlatforms`): nodes of those cannot run it. */
export function missingPlatformsNote(image: ImageRecord): string {
  const missing = image.missingPlatforms ?? [];
  const carried = [...new Set(image.manifests.flatMap((m) => (m.platform ? [formatPlatformRecord(m.platform)] : [])).filter((p) => p !== 'unknown/unknown'))];
  const one = missing.length === 1;
  return `${image.reference} lacks ${missing.join(', ')}: the image does not publish ${one ? 'it' : 'them'}, so it is carried with ${carried.join(', ') || 'no platform record'} only and nodes of ${one ? 'that platform' : 'those platforms'} cannot run it.`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
