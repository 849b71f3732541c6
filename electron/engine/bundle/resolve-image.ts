import { escapeControl } from '../../../shared/format.js';
import type { BlobCache } from '../cache/blob-cache.js';
import { getManifestThroughCache } from '../cache/cached-manifest.js';
import { FerryError } from '../errors/ferry-error.js';
import type { Descriptor } from '../oci/descriptor.js';
import { digestOf } from '../oci/digest.js';
import { isForeignLayerMediaType, isIndexMediaType } from '../oci/media-types.js';
import { parseManifest, type ImageManifestDocument } from '../oci/parse-manifest.js';
import { formatPlatform } from '../platform/format-platform.js';
import { platformMatches } from '../platform/match-platform.js';
import type { Platform } from '../platform/platform.js';
import type { ImageReference } from '../reference/image-reference.js';
import { formatReference } from '../reference/format-reference.js';
import type { ImageSourceClient } from '../sources/image-source-client.js';
import { readSmallBlob } from './read-small-blob.js';
import type { CarriedReferrer } from '../referrers/find-referrers.js';

/** A manifest document carried byte for byte. */
export interface CarriedDocument {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

/** One image manifest carried, with what it points to. */
export interface CarriedImageManifest extends CarriedDocument {
  platform?: Platform;
  config: Descriptor;
  /** Config bytes when they were already fetched (single manifests, to learn the platform). */
  configBytes?: Buffer;
  layers: Descriptor[];
}

/** An image after resolution: what the registry published and exactly what Ferry will carry. */
export interface ResolvedImage {
  source: string;
  ref: ImageReference;
  reference: string;
  originalDigest: string;
  originalMediaType: string;
  /** The top-level document carried under the reference. */
  top: CarriedDocument;
  asPublished: boolean;
  /** Every index document carried (the top one when it is an index, nested ones too). */
  indexes: CarriedDocument[];
  /** Every image manifest carried. */
  manifests: CarriedImageManifest[];
  /** Platform of the carried top manifest when it is a single manifest picked by a filter. */
  topPlatform?: Platform;
  /** The published index as served, when platforms were filtered out of it: carried as evidence for its signatures. */
  original?: CarriedDocument;
  /** Signatures, attestations and SBOMs carried with it (`--referrers`). */
  referrers?: CarriedReferrer[];
  /**
   * The platforms asked for that the image does not publish (`formatPlatform` of the request, as `bundle.json`'s
   * `platforms` writes it): it is carried without them. Absent when it has every one asked for, or none was asked.
   */
  missingPlatforms?: string[];
  /** Every platform the image publishes (index entries, or a single manifest's config), for messages about what it lacks. */
  publishedPlatforms?: Platform[];
  /** The platforms this image was asked for on its own (a list file's per-image list), formatted; set by the bundle run. */
  requestedPlatforms?: string[];
}

/** What resolution needs. */
export interface ResolveContext {
  /** A registry client, or the router that also serves local sources (docker-archive:, oci:, …). */
  client: ImageSourceClient;
  /** The platforms asked for: the image carries whichever of these it publishes (none: every platform, as published). */
  platforms: Platform[];
  /** Every platform asked for is required: an image lacking any one is a `platform-not-found` error, not a partial carry. */
  allPlatformsRequired?: boolean;
  /** Where manifests fetched by digest and configs are kept and found (each verified again when used); tags are always asked. */
  cache?: BlobCache;
  signal?: AbortSignal;
}

/** Fetches an image's manifests and applies the platform filter: the plan of what to carry for one reference. */
export async function resolveImage(source: string, ref: ImageReference, ctx: ResolveContext): Promise<ResolvedImage> {
  const reference = formatReference(ref);
  const top = await getManifestThroughCache(ctx.client, ctx.cache, ref, { ...(ctx.signal ? { signal: ctx.signal } : {}) });
  const doc = parseManifest(top.bytes, top.mediaType, reference);
  const base = { source, ref, reference, originalDigest: top.digest, originalMediaType: top.mediaType };

  if (doc.kind === 'manifest') {
    const carried = await carryImageManifest(ref, { digest: top.digest, mediaType: top.mediaType, bytes: top.bytes }, doc, ctx, true);
    // a single manifest is matched by its config's platform: it is carried whole, or (matching nothing asked) not at all
    const available = carried.platform ? [carried.platform] : [];
    const missing = lacking(reference, ctx, available);
    return { ...base, top: carried, asPublished: true, indexes: [], manifests: [carried], ...missing };
  }

  const children = doc.manifests;
  let chosen = children;
  let missing: Pick<ResolvedImage, 'missingPlatforms' | 'publishedPlatforms'> = {};
  if (ctx.platforms.length > 0) {
    // attestation entries (`unknown/unknown`, buildx) are no platform an image has
    const available = children
      .filter((c) => c.platform)
      .map((c) => descriptorPlatform(c)!)
      .filter((p) => p.os !== 'unknown' || p.architecture !== 'unknown');
    missing = lacking(reference, ctx, available);
    // every child matching any platform asked for, in the publisher's order
    chosen = children.filter((c) => {
      const p = descriptorPlatform(c);
      return p !== undefined && ctx.platforms.some((want) => platformMatches(want, p));
    });
  }

  const indexes: CarriedDocument[] = [];
  const manifests: CarriedImageManifest[] = [];
  for (const child of chosen) await carryTree(ref, child, ctx, indexes, manifests, descriptorPlatform(child));

  if (chosen.length === children.length) {
    const topDoc = { digest: top.digest, mediaType: top.mediaType, bytes: top.bytes };
    return { ...base, top: topDoc, asPublished: true, indexes: [topDoc, ...indexes], manifests, ...missing };
  }
  const original = { digest: top.digest, mediaType: top.mediaType, bytes: top.bytes };
  if (chosen.length === 1) {
    const only = chosen[0]!;
    const carriedTop = [...indexes, ...manifests].find((d) => d.digest === only.digest)!;
    return { ...base, top: carriedTop, asPublished: false, indexes, manifests, topPlatform: descriptorPlatform(only), original, ...missing };
  }
  // several platforms chosen: a new index of just those, in the publisher's order and shape
  const bytes = Buffer.from(JSON.stringify({ ...doc.raw, manifests: chosen }));
  const filtered = { digest: digestOf(bytes), mediaType: top.mediaType, bytes };
  return { ...base, top: filtered, asPublished: false, indexes: [filtered, ...indexes], manifests, original, ...missing };
}

/** The Ferry platform of an index entry. */
export function descriptorPlatform(d: Descriptor): Platform | undefined {
  if (!d.platform) return undefined;
  const p: Platform = { os: d.platform.os, architecture: d.platform.architecture };
  if (d.platform.variant) p.variant = d.platform.variant;
  if (d.platform['os.version']) p.osVersion = d.platform['os.version'];
  return p;
}

async function carryTree(
  ref: ImageReference,
  desc: Descriptor,
  ctx: ResolveContext,
  indexes: CarriedDocument[],
  manifests: CarriedImageManifest[],
  platform: Platform | undefined,
): Promise<void> {
  const subject = `${formatReference(ref)}@${desc.digest}`;
  const fetched = await getManifestThroughCache(ctx.client, ctx.cache, { registry: ref.registry, repository: ref.repository, digest: desc.digest }, {
    size: desc.size,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  if (fetched.bytes.length !== desc.size) {
    throw new FerryError('size-mismatch', `Manifest ${desc.digest} of "${formatReference(ref)}" is ${fetched.bytes.length} bytes, but its index says ${desc.size}.`, { subject });
  }
  const mediaType = isKnownManifest(desc.mediaType) ? desc.mediaType : fetched.mediaType;
  const carried = { digest: desc.digest, mediaType, bytes: fetched.bytes };
  const doc = parseManifest(fetched.bytes, mediaType, subject);
  if (doc.kind === 'index') {
    indexes.push(carried);
    for (const child of doc.manifests) await carryTree(ref, child, ctx, indexes, manifests, descriptorPlatform(child));
    return;
  }
  const image = await carryImageManifest(ref, carried, doc, ctx, false);
  if (platform) image.platform = platform;
  manifests.push(image);
}

async function carryImageManifest(
  ref: ImageReference,
  carried: CarriedDocument,
  doc: ImageManifestDocument,
  ctx: ResolveContext,
  learnPlatform: boolean,
): Promise<CarriedImageManifest> {
  const image: CarriedImageManifest = { ...carried, config: doc.config, layers: doc.layers };
  if (learnPlatform && isImageConfig(doc.config.mediaType)) {
    const bytes = await readConfig(ref, doc.config, ctx);
    image.configBytes = bytes;
    const platform = platformFromConfig(bytes);
    if (platform) image.platform = platform;
  }
  return image;
}

/** A config from the cache (verified again) or the registry (verified by the client, then kept). */
async function readConfig(ref: ImageReference, config: Descriptor, ctx: ResolveContext): Promise<Buffer> {
  const cached = await ctx.cache?.readVerified(config.digest, config.size);
  if (cached) return cached;
  const bytes = await readSmallBlob(ctx.client, ref, config, ctx.signal);
  await ctx.cache?.put(config.digest, bytes);
  return bytes;
}

function isKnownManifest(mediaType: string): boolean {
  return isIndexMediaType(mediaType) || mediaType.endsWith('manifest.v1+json') || mediaType.endsWith('manifest.v2+json');
}

function isImageConfig(mediaType: string): boolean {
  return mediaType === 'application/vnd.oci.image.config.v1+json' || mediaType === 'application/vnd.docker.container.image.v1+json';
}

function platformFromConfig(bytes: Buffer): Platform | undefined {
  try {
    const c = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    if (typeof c.os !== 'string' || typeof c.architecture !== 'string') return undefined;
    const p: Platform = { os: c.os, architecture: c.architecture };
    if (typeof c.variant === 'string' && c.variant) p.variant = c.variant;
    if (typeof c['os.version'] === 'string' && c['os.version']) p.osVersion = c['os.version'];
    return p;
  } catch {
    return undefined;
  }
}

/**
 * The platforms asked for that an image publishing `available` lacks. None of them at all, or (every one required)
 * any one, is a `platform-not-found` error naming the image and what it has; otherwise the lacking ones, formatted as
 * `bundle.json`'s `platforms` writes them (each once), for the image to be carried without them.
 */
function lacking(reference: string, ctx: ResolveContext, available: Platform[]): Pick<ResolvedImage, 'missingPlatforms' | 'publishedPlatforms'> {
  if (ctx.platforms.length === 0) return {};
  const missing = ctx.platforms.filter((want) => !available.some((have) => platformMatches(want, have)));
  if (missing.length === 0) return {};
  if (missing.length === ctx.platforms.length || ctx.allPlatformsRequired) throw platformMissing(reference, missing, available);
  return { missingPlatforms: [...new Set(missing.map(formatPlatform))], publishedPlatforms: available };
}

function platformMissing(reference: string, missing: Platform[], available: Platform[]): FerryError {
  const want = missing.map(formatPlatform).join(', ');
  const have = available.length > 0 ? available.map(formatPlatform).join(', ') : 'no platform information';
  // the platforms it has come from the registry: shown escaped
  return new FerryError('platform-not-found', escapeControl(`Image "${reference}" has no ${want}; it has ${have}.`), { subject: reference });
}

/** True for layers the registry does not hold (Windows base layers). */
export function isForeignLayer(layer: Descriptor): boolean {
  return isForeignLayerMediaType(layer.mediaType);
}
