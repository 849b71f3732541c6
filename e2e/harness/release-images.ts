import { INVENTORY_MEDIA_TYPE, type Inventory, type InventorySource } from '../../shared/inventory.js';
import { buildMultiImage, buildSingleImage, imageBlobs, makeLayer, type BuiltImage } from './image-builder.js';
import { pushImage } from './push-image.js';
import type { PushTarget } from './push.js';

const amd64 = { os: 'linux', architecture: 'amd64' };
const arm64 = { os: 'linux', architecture: 'arm64', variant: 'v8' };

/** Images by `repository:tag` (no registry host), as one release pushes them. */
export type ReleaseImages = Record<string, BuiltImage>;

/**
 * Two releases of the same images, as an air-gapped site receives them week after week; the second shares most
 * layers with the first. Same tags, new digests where an image changed:
 * - `test/app:1` — week 1 linux/amd64 only; week 2 an index of linux/amd64 and linux/arm64 (platforms change);
 * - `test/tool:1` — a Docker manifest; week 2 adds one layer on top of the same two;
 * - `test/same:1` — byte-identical in both weeks (unchanged);
 * - `test/gone:1` — week 1 only (removed); `test/new:1` — week 2 only (added, on the shared base).
 */
export interface TwoReleases {
  week1: ReleaseImages;
  week2: ReleaseImages;
  /** The base layer every image but `test/gone:1` shares. */
  base: string;
}

/** Builds {@link TwoReleases} (nothing pushed). */
export async function buildTwoReleases(): Promise<TwoReleases> {
  const base = await makeLayer({ 'etc/os-release': 'ID=release-base\n', 'bin/base.txt': 'the base every release shares\n'.repeat(300) });
  const baseArm = await makeLayer({ 'etc/os-release': 'ID=release-base-arm\n' });
  const tools = await makeLayer({ 'usr/bin/tool.txt': 'tools of tool:1, both weeks\n'.repeat(100) });
  const same = buildSingleImage('oci', amd64, [base, await makeLayer({ 'same/x': 'never changes\n' })]);
  const app2 = await makeLayer({ 'app/version': 'app, week 2\n' });
  return {
    base: base.digest,
    week1: {
      'test/app:1': buildSingleImage('oci', amd64, [base, await makeLayer({ 'app/version': 'app, week 1\n' })]),
      'test/tool:1': buildSingleImage('docker', amd64, [base, tools]),
      'test/same:1': same,
      'test/gone:1': buildSingleImage('oci', amd64, [await makeLayer({ 'gone/x': 'only in week 1\n'.repeat(50) })]),
    },
    week2: {
      'test/app:1': buildMultiImage('oci', [
        { platform: amd64, layers: [base, app2] },
        { platform: arm64, layers: [baseArm, app2] },
      ]),
      'test/tool:1': buildSingleImage('docker', amd64, [base, tools, await makeLayer({ 'usr/bin/new.txt': 'week 2 tool\n' })]),
      'test/same:1': same,
      'test/new:1': buildSingleImage('oci', amd64, [base, await makeLayer({ 'new/x': 'new in week 2\n' })]),
    },
  };
}

/** Pushes a release: each image under its `repository:tag` (a later push of the same tag moves it). */
export async function pushRelease(target: PushTarget, images: ReleaseImages): Promise<void> {
  for (const [name, image] of Object.entries(images)) {
    const colon = name.lastIndexOf(':');
    await pushImage(target, name.slice(0, colon), name.slice(colon + 1), image);
  }
}

/** Every blob of a built image with its size, as a bundle carries it: the top manifest, platform manifests, configs and layers. */
export function bundleBlobsOf(image: BuiltImage): Map<string, number> {
  const blobs = new Map<string, number>([[image.manifest.digest, image.manifest.size]]);
  for (const p of image.platforms) blobs.set(p.manifest.digest, p.manifest.size);
  for (const [digest, blob] of imageBlobs(image)) if (!blob.foreign) blobs.set(digest, blob.size);
  return blobs;
}

/** One tag an inventory written by {@link inventoryOfImages} holds. */
export interface InventoryEntry {
  /** `HOST[:PORT]`, or absent. */
  registry?: string;
  /** The repository path as the offline side names it (`mirror/test/app`). */
  name: string;
  tag: string;
  image: BuiltImage;
}

/**
 * An inventory as `ferry inventory` writes it, by hand, for the given tags: repositories (sorted) with their tags and
 * manifests, and every config and layer (never manifests) with the repositories holding it.
 */
export function inventoryOfImages(entries: InventoryEntry[], options: { sources?: InventorySource[]; created?: string } = {}): Inventory {
  const key = (e: { registry?: string; name: string }): string => (e.registry === undefined ? e.name : `${e.registry}/${e.name}`);
  const repos = new Map<string, { registry?: string; name: string; tags: Record<string, string>; manifests: Set<string> }>();
  for (const e of entries) {
    const repo = repos.get(key(e)) ?? { ...(e.registry !== undefined ? { registry: e.registry } : {}), name: e.name, tags: {}, manifests: new Set<string>() };
    repos.set(key(e), repo);
    repo.tags[e.tag] = e.image.manifest.digest;
    repo.manifests.add(e.image.manifest.digest);
    for (const p of e.image.platforms) repo.manifests.add(p.manifest.digest);
  }
  const keys = [...repos.keys()].sort();
  const held = new Map<string, { size: number; repositories: Set<number> }>();
  for (const e of entries) {
    for (const [digest, blob] of imageBlobs(e.image)) {
      if (blob.foreign) continue;
      const entry = held.get(digest) ?? { size: blob.size, repositories: new Set<number>() };
      entry.repositories.add(keys.indexOf(key(e)));
      held.set(digest, entry);
    }
  }
  return {
    schemaVersion: 1,
    mediaType: INVENTORY_MEDIA_TYPE,
    created: options.created ?? '2025-01-01T00:00:00.000Z',
    tool: { name: 'ferry', version: 'test' },
    sources: options.sources ?? [],
    repositories: keys.map((k) => {
      const r = repos.get(k)!;
      return { ...(r.registry !== undefined ? { registry: r.registry } : {}), name: r.name, tags: r.tags, manifests: [...r.manifests].sort() };
    }),
    blobs: [...held.keys()].sort().map((digest) => ({ digest, size: held.get(digest)!.size, repositories: [...held.get(digest)!.repositories].sort((a, b) => a - b) })),
  };
}
