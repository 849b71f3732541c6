import { cpSync } from 'node:fs';
import { join } from 'node:path';
import type { BundleManifest } from '../../shared/bundle-manifest.js';
import { createBundle, type CreateBundleOptions } from '../../electron/engine/index.js';
import { makeRandomLayer } from './bench-images.js';
import { buildSingleImage, makeLayer } from './image-builder.js';
import { pushImage } from './push-image.js';
import { startRegistry } from './registry.js';
import { makeTempDir, removeDir } from './temp-dir.js';
import { seedTestImages } from './test-images.js';

/** Options for {@link makeTestBundle}. */
export interface TestBundleOptions extends Partial<Omit<CreateBundleOptions, 'images' | 'outputDir'>> {
  /** Also push `test/big:1`, one image with this many random (incompressible) layers of `layerBytes`. */
  bigLayers?: number;
  /** Size of each random layer of `test/big:1` (default 1 MiB). */
  layerBytes?: number;
  /** Images to bundle, without the registry host (default: `test/multi:1`, `test/shared:1`, `test/single:1.0`, plus `test/big:1` when asked). */
  images?: string[];
}

/** A finished bundle on disk, made by the real engine from a real registry. */
export interface TestBundle {
  /** The bundle folder. */
  dir: string;
  /** A temp folder the test may use freely (the bundle folder lives in it); removed by cleanup(). */
  work: string;
  manifest: BundleManifest;
  /** A fresh copy of the bundle folder inside `work`, for a test to damage. */
  copy(): string;
  /** Removes `work`. */
  cleanup(): Promise<void>;
}

/**
 * Makes a real bundle for tests of what happens after `ferry bundle` (verify, split, sign, write…):
 * starts a registry on loopback, pushes the standard test images (and an optional big random image),
 * bundles them with the given options, and stops the registry.
 */
export async function makeTestBundle(options: TestBundleOptions = {}): Promise<TestBundle> {
  const { bigLayers = 0, layerBytes = 1024 * 1024, images, ...bundleOptions } = options;
  const work = await makeTempDir('ferry-test-bundle');
  const registry = await startRegistry();
  try {
    await seedTestImages(registry);
    const names = images ?? ['test/multi:1', 'test/shared:1', 'test/single:1.0'];
    if (bigLayers > 0) {
      const layers = [await makeLayer({ 'etc/os-release': 'ID=ferry-big\n' })];
      for (let i = 0; i < bigLayers; i++) layers.push(await makeRandomLayer(layerBytes, { name: `data/${i}.bin` }));
      await pushImage(registry, 'test/big', '1', buildSingleImage('oci', { os: 'linux', architecture: 'amd64' }, layers));
      if (!images) names.push('test/big:1');
    }
    const dir = join(work, 'bundle');
    const result = await createBundle({
      cache: false,
      ...bundleOptions,
      images: names.map((n) => `${registry.host}/${n}`),
      outputDir: dir,
      registry: { insecureRegistries: [registry.host], ...bundleOptions.registry },
    });
    let copies = 0;
    const copy = (): string => {
      const target = join(work, `copy-${++copies}`);
      cpSync(dir, target, { recursive: true });
      return target;
    };
    return { dir, work, manifest: result.manifest, copy, cleanup: () => removeDir(work) };
  } catch (error) {
    await removeDir(work);
    throw error;
  } finally {
    await registry.stop();
  }
}
