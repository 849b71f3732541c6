import { buildSingleImage, imageBlobs, makeLayer, type BuiltImage, type Layer } from './image-builder.js';
import { pushImage } from './push-image.js';
import type { PushTarget } from './push.js';

/** The images of a "second week" update: v1 (already offline) and v2, which shares some layers with it. */
export interface DeltaImages {
  /** v1: `test/app:1.0` (oci) and `test/tool:1.1` (docker). */
  app1: BuiltImage;
  tool1: BuiltImage;
  /** v2: `test/app:2.0` shares the base layer, `test/tool:2.1` the base and tools layers, `test/other:2.2` nothing. */
  app2: BuiltImage;
  tool2: BuiltImage;
  other2: BuiltImage;
  /** The layer every image but other2 has. */
  base: Layer;
  /** The layer tool:1.1 and tool:2.1 share. */
  tools: Layer;
  /** The config and layer blobs v2 shares with v1 (sorted): exactly what a delta against v1 omits. */
  shared: string[];
}

/** The v1 references, as `REPO:TAG` under the source registry. */
export const DELTA_V1 = ['test/app:1.0', 'test/tool:1.1'] as const;
/** The v2 references, as `REPO:TAG` under the source registry. */
export const DELTA_V2 = ['test/app:2.0', 'test/tool:2.1', 'test/other:2.2'] as const;

/** An image's config and layer digests (its manifest left out). */
export function configAndLayers(image: BuiltImage): string[] {
  return [...imageBlobs(image).keys()].filter((d) => d !== image.manifest.digest);
}

/** Builds v1 and v2 (linux/amd64, single-platform, OCI and Docker media types) and pushes both to `source` under `test/…`. */
export async function seedDeltaImages(source: PushTarget): Promise<DeltaImages> {
  const amd64 = { os: 'linux', architecture: 'amd64' };
  const base = await makeLayer({ 'etc/os-release': 'ID=delta-base\n', 'bin/base.txt': 'the base every version shares\n'.repeat(200) });
  const tools = await makeLayer({ 'usr/bin/tool.txt': 'tools shared by tool:1.1 and tool:2.1\n'.repeat(100) });
  const images = {
    app1: buildSingleImage('oci', amd64, [base, await makeLayer({ 'app/version': 'app 1.0\n' })]),
    tool1: buildSingleImage('docker', amd64, [base, tools]),
    app2: buildSingleImage('oci', amd64, [base, await makeLayer({ 'app/version': 'app 2.0\n' })]),
    tool2: buildSingleImage('docker', amd64, [base, tools, await makeLayer({ 'usr/bin/new.txt': 'tool 2.1\n' })]),
    other2: buildSingleImage('oci', amd64, [await makeLayer({ 'etc/os-release': 'ID=other\n' }), await makeLayer({ 'other/x': 'other 2.2\n' })]),
  };
  await pushImage(source, 'test/app', '1.0', images.app1);
  await pushImage(source, 'test/tool', '1.1', images.tool1);
  await pushImage(source, 'test/app', '2.0', images.app2);
  await pushImage(source, 'test/tool', '2.1', images.tool2);
  await pushImage(source, 'test/other', '2.2', images.other2);
  const v1Blobs = new Set([...configAndLayers(images.app1), ...configAndLayers(images.tool1)]);
  const shared = [...new Set([...configAndLayers(images.app2), ...configAndLayers(images.tool2), ...configAndLayers(images.other2)])].filter((d) => v1Blobs.has(d)).sort();
  return { ...images, base, tools, shared };
}
