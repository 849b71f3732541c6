import type { DeltaPlanImage, DeltaPlanResult } from '../../../shared/api-contract.js';
import { parsePlatform } from '../platform/parse-platform.js';
import { formatReference } from '../reference/format-reference.js';
import { parseReference } from '../reference/parse-reference.js';
import type { RegistryClient } from '../registry/registry-client.js';
import { planBlobs } from '../bundle/plan-blobs.js';
import { planDelta } from '../bundle/plan-delta.js';
import { readHoldings } from '../bundle/read-holdings.js';
import { resolveImage, type ResolvedImage } from '../bundle/resolve-image.js';
import { isAbortError, serializeError } from '../errors/ferry-error.js';
import { mapLimit } from '../util/map-limit.js';
import type { ImageReference } from '../reference/image-reference.js';
import { openBundleSources } from '../sources/bundle-sources.js';
import type { ImageSourceClient } from '../sources/image-source-client.js';
import { isLocalSourceName } from '../sources/source-name.js';
import type { ParsedInput } from './api-handlers.js';

/** Images resolved at once while planning (each needs a few manifest round trips). */
const PLAN_CONCURRENCY = 4;

/**
 * `bundle.planDelta`: what a delta against `have` would carry, computed the way `createBundle` computes it — the
 * holdings read and checked by {@link readHoldings} (signatures too, with `trustedKeys`), each image resolved with
 * its platforms, then {@link planBlobs} and {@link planDelta} — but without fetching or writing a blob. An image that
 * cannot be resolved gets its error in its row; the others are still planned. `client` is the session's client for
 * the registry settings (tokens reused with the live lookups).
 */
export async function planDeltaView(input: ParsedInput<'bundle.planDelta'>, client: RegistryClient | undefined, signal?: AbortSignal): Promise<DeltaPlanResult> {
  const holdings = await readHoldings(input.have, { ...(input.trustedKeys?.length ? { trustedKeys: input.trustedKeys } : {}), ...(signal ? { signal } : {}) });
  const bases = holdings.bases.map(({ path, base, blobs }) => ({
    path,
    kind: base.kind,
    sha256: base.sha256,
    ...(base.bundleId !== undefined ? { bundleId: base.bundleId } : {}),
    ...(base.created !== undefined ? { created: base.created } : {}),
    ...(base.signer !== undefined ? { signer: base.signer } : {}),
    blobs,
  }));
  const asked = input.images ?? [];
  if (asked.length === 0 || !client) return { bases, images: [], totalBytes: 0, newBytes: 0, heldBytes: 0, heldBlobs: 0, warnings: holdings.warnings };

  // each distinct image (by its full name and platforms) resolved once, as createBundle resolves it; a local source
  // (`docker-archive:` …) is opened as createBundle opens it and may hold several images: its row sums them
  const outcomes = await mapLimit(asked, PLAN_CONCURRENCY, async ({ reference, platforms }): Promise<ResolvedImage[] | { error: unknown }> => {
    signal?.throwIfAborted();
    const wanted = (platforms ?? []).map(parsePlatform);
    const resolveOne = async (source: string, ref: ImageReference, from: ImageSourceClient): Promise<ResolvedImage> => {
      const image = await resolveImage(source, ref, { client: from, platforms: wanted, ...(signal ? { signal } : {}) });
      // the published index travels only as evidence for carried signatures (not asked for here)
      delete image.original;
      return image;
    };
    try {
      if (!isLocalSourceName(reference)) return [await resolveOne(reference, parseReference(reference), client)];
      const opened = await openBundleSources([reference], signal ? { signal } : {});
      try {
        const router = opened.router(client);
        const images: ResolvedImage[] = [];
        for (const image of opened.images) images.push(await resolveOne(image.source, image.ref, router));
        return images;
      } finally {
        await opened.close();
      }
    } catch (error) {
      if (isAbortError(error) || signal?.aborted) throw error;
      return { error };
    }
  });
  const resolved: ResolvedImage[] = [];
  const indexOf = new Map<string, number>();
  const slots = outcomes.map((o) => {
    if ('error' in o) return [];
    return o.map((image) => {
      const key = `${formatReference(image.ref)} ${image.top.digest}`;
      const known = indexOf.get(key);
      if (known !== undefined) return known;
      indexOf.set(key, resolved.length);
      resolved.push(image);
      return resolved.length - 1;
    });
  });
  const plan = planBlobs(resolved, input.includeForeignLayers ?? false);
  const delta = planDelta(plan, resolved, holdings);
  const carried = new Set(delta.carried.map((b) => b.digest));
  const sizeOf = new Map(plan.blobs.map((b) => [b.digest, b.size]));
  const images: DeltaPlanImage[] = asked.map(({ reference }, i) => {
    const outcome = outcomes[i]!;
    if ('error' in outcome) return { reference, error: serializeError(outcome.error) };
    const digests = [...new Set(slots[i]!.flatMap((slot) => [...plan.perImage[slot]!.digests]))];
    const fresh = digests.filter((d) => carried.has(d));
    const sum = (list: string[]): number => list.reduce((n, d) => n + (sizeOf.get(d) ?? 0), 0);
    return { reference, totalBytes: sum(digests), newBytes: sum(fresh), blobs: digests.length, newBlobs: fresh.length };
  });
  return {
    bases,
    images,
    totalBytes: delta.bytesCarried + delta.bytesOmitted,
    newBytes: delta.bytesCarried,
    heldBytes: delta.bytesOmitted,
    heldBlobs: delta.omitted.length,
    warnings: [...holdings.warnings, ...delta.warnings],
  };
}
