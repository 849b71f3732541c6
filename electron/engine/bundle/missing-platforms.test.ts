// The platform rule, in the engine against a real registry: the platforms asked for mean "whichever of these each image
// publishes"; an image lacking some is carried without them (a warning, `missingPlatforms`), one with none of them is
// an error, and `allPlatformsRequired` restores the strict rule. Linux and Windows images in one bundle.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTempDir, removeDir, seedTestImages, startRegistry, type RegistryHandle, type SeededTestImages } from '../../../e2e/harness/index.js';
import type { BundleManifest, ImageRecord } from '../../../shared/bundle-manifest.js';
import { formatPlatformRecord } from '../../../shared/format.js';
import type { ProgressEvent } from '../../../shared/progress.js';
import { bundleWarnings, createBundle, evaluatePolicy, parsePolicy, renderHtmlReport, type CreateBundleOptions } from '../index.js';
import { checkManifestConsistency } from './check-manifest-consistency.js';

let work: string;
let registry: RegistryHandle;
let images: SeededTestImages;
let runs = 0;

before(async () => {
  work = await makeTempDir('ferry-missing-platforms');
  registry = await startRegistry();
  images = await seedTestImages(registry);
});
after(async () => {
  await registry?.stop();
  if (work) await removeDir(work);
});

/** Bundles the given test images (by key) with these options; returns the manifest and the warnings sent. */
async function bundle(
  keys: ('multi' | 'shared' | 'single' | 'windows')[],
  options: Partial<CreateBundleOptions>,
): Promise<{ manifest: BundleManifest; warnings: { message: string; subject?: string }[]; dir: string }> {
  const dir = join(work, `run-${++runs}`);
  const warnings: { message: string; subject?: string }[] = [];
  const onProgress = (e: ProgressEvent): void => {
    if (e.kind === 'warning') warnings.push({ message: e.message, ...(e.subject ? { subject: e.subject } : {}) });
  };
  const result = await createBundle(
    { images: keys.map((k) => images[k].fullRef), outputDir: dir, cache: false, registry: { insecureRegistries: [registry.host] }, ...options },
    { onProgress },
  );
  return { manifest: result.manifest, warnings, dir };
}

const imageOf = (m: BundleManifest, repository: string): ImageRecord => m.images.find((i) => i.repository === repository)!;
const carried = (i: ImageRecord): string[] => i.manifests.map((m) => (m.platform ? formatPlatformRecord(m.platform) : '?'));
const platformWarnings = (w: { message: string }[]): string[] => w.map((x) => x.message).filter((m) => m.includes('nodes of'));

describe('a mixed Linux and Windows list with amd64, arm64 and ltsc2022', () => {
  let manifest: BundleManifest;
  let warnings: { message: string; subject?: string }[];
  before(async () => {
    ({ manifest, warnings } = await bundle(['multi', 'shared', 'windows'], { platforms: ['linux/amd64', 'linux/arm64', 'windows/amd64:ltsc2022'] }));
  });

  test('each image carries what it has of them, in the publisher order', () => {
    assert.deepEqual(manifest.platforms, ['linux/amd64', 'linux/arm64', 'windows/amd64:10.0.20348']);
    assert.deepEqual(carried(imageOf(manifest, 'test/multi')), ['linux/amd64', 'linux/arm64/v8']);
    assert.deepEqual(carried(imageOf(manifest, 'test/shared')), ['linux/amd64']);
    assert.deepEqual(carried(imageOf(manifest, 'test/windows')), ['windows/amd64:10.0.20348.2340', 'linux/amd64']);
    // two of an index's platforms: a new index; a single manifest that matches: as published
    assert.equal(imageOf(manifest, 'test/multi').asPublished, false);
    assert.equal(imageOf(manifest, 'test/windows').asPublished, false);
    assert.equal(imageOf(manifest, 'test/shared').asPublished, true);
    assert.equal(imageOf(manifest, 'test/shared').digest, images.shared.digest);
  });

  test('bundle.json records what each lacks, as the platforms were asked (normalized like platforms)', () => {
    assert.deepEqual(imageOf(manifest, 'test/multi').missingPlatforms, ['windows/amd64:10.0.20348']);
    assert.deepEqual(imageOf(manifest, 'test/shared').missingPlatforms, ['linux/arm64', 'windows/amd64:10.0.20348']);
    assert.deepEqual(imageOf(manifest, 'test/windows').missingPlatforms, ['linux/arm64']);
    assert.ok(manifest.images.every((i) => i.requestedPlatforms === undefined), 'no image had its own list');
    assert.deepEqual(checkManifestConsistency(manifest), []);
  });

  test('one warning per lacking image, naming it, what it lacks and what it has', () => {
    const lacking = warnings.filter((w) => w.message.includes('nodes of'));
    assert.equal(lacking.length, 3, lacking.map((w) => w.message).join('\n'));
    const of = (repo: string): string => lacking.find((w) => w.subject === imageOf(manifest, repo).reference)!.message;
    assert.equal(
      of('test/shared'),
      `Image "${imageOf(manifest, 'test/shared').reference}" has no linux/arm64, windows/amd64:10.0.20348 (it has linux/amd64): it is carried without them, so nodes of those platforms cannot run it.`,
    );
    assert.equal(
      of('test/multi'),
      `Image "${imageOf(manifest, 'test/multi').reference}" has no windows/amd64:10.0.20348 (it has linux/amd64, linux/arm64/v8, linux/arm/v7): it is carried without it, so nodes of that platform cannot run it.`,
    );
    assert.match(of('test/windows'), /has no linux\/arm64 \(it has windows\/amd64:10\.0\.17763\.5458, windows\/amd64:10\.0\.20348\.2340, windows\/amd64:10\.0\.26100\.1742, linux\/amd64\)/);
  });

  test('inspect warnings and the HTML report show the missing platforms per image', () => {
    const told = bundleWarnings(manifest).filter((w) => w.includes('lacks'));
    assert.deepEqual(told, [
      `${imageOf(manifest, 'test/multi').reference} lacks windows/amd64:10.0.20348: the image does not publish it, so it is carried with linux/amd64, linux/arm64/v8 only and nodes of that platform cannot run it.`,
      `${imageOf(manifest, 'test/shared').reference} lacks linux/arm64, windows/amd64:10.0.20348: the image does not publish them, so it is carried with linux/amd64 only and nodes of those platforms cannot run it.`,
      `${imageOf(manifest, 'test/windows').reference} lacks linux/arm64: the image does not publish it, so it is carried with windows/amd64:10.0.20348.2340, linux/amd64 only and nodes of that platform cannot run it.`,
    ]);
    const html = renderHtmlReport({ manifest, bundleSha256: '0'.repeat(64), warnings: bundleWarnings(manifest), generated: new Date(0).toISOString() });
    const row = (repo: string): string => {
      const start = html.indexOf(`<strong>${imageOf(manifest, repo).reference}</strong>`);
      return html.slice(start, html.indexOf('</tr>', start));
    };
    assert.match(row('test/shared'), /<span class="tag bad">missing<\/span> <span class="missing-platform">linux\/arm64<\/span>, <span class="missing-platform">windows\/amd64:10\.0\.20348<\/span>/);
    assert.match(row('test/windows'), /missing<\/span> <span class="missing-platform">linux\/arm64<\/span><br><span class="sub">not published: nodes of that platform cannot run it/);
  });

  test('a policy requiring linux/arm64 names each image without it, saying it was bundled without it', () => {
    const violations = evaluatePolicy(parsePolicy('requiredPlatforms: [linux/arm64]\n', 'arm.yaml'), manifest);
    const shared = imageOf(manifest, 'test/shared').reference;
    const windows = imageOf(manifest, 'test/windows').reference;
    assert.deepEqual(violations.map((v) => [v.rule, v.subject]), [
      ['requiredPlatforms', shared],
      ['requiredPlatforms', windows],
    ]);
    assert.equal(
      violations[0]!.message,
      `${shared} does not carry linux/arm64, which the policy requires (it carries linux/amd64). It was bundled without linux/arm64: the image does not publish it (bundle.json missingPlatforms).`,
    );
    // a platform an image carries passes, whatever else it lacks
    assert.deepEqual(evaluatePolicy(parsePolicy('requiredPlatforms: [linux/amd64]\n', 'amd.yaml'), manifest), []);
  });
});

describe('the rule at its edges', () => {
  test('a filter that keeps every platform carries the image as published, digest unchanged, and still records what it lacks', async () => {
    const { manifest } = await bundle(['multi'], { platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/s390x'] });
    const multi = manifest.images[0]!;
    assert.equal(multi.asPublished, true);
    assert.equal(multi.digest, images.multi.digest);
    assert.equal(multi.originalManifest, undefined);
    assert.deepEqual(multi.missingPlatforms, ['linux/s390x']);
    assert.deepEqual(checkManifestConsistency(manifest), []);
  });

  test('an image with none of the platforms asked is the error, naming it and the platforms it has; nothing is left', async () => {
    const dir = join(work, 'none');
    await assert.rejects(
      createBundle({ images: [images.multi.fullRef, images.shared.fullRef], outputDir: dir, cache: false, platforms: ['linux/arm64', 'linux/s390x'], registry: { insecureRegistries: [registry.host] } }),
      { code: 'platform-not-found', subject: `${registry.host}/test/shared:1`, message: `Image "${registry.host}/test/shared:1" has no linux/arm64, linux/s390x; it has linux/amd64.` },
    );
    assert.ok(!existsSync(join(dir, 'bundle.json')));
  });

  test('a Windows request never fails a Linux image, nor the reverse, when each has something asked', async () => {
    const { manifest } = await bundle(['single', 'windows'], { platforms: ['windows/amd64:ltsc2019', 'linux/amd64'] });
    assert.deepEqual(imageOf(manifest, 'test/single').missingPlatforms, ['windows/amd64:10.0.17763']);
    assert.equal(imageOf(manifest, 'test/windows').missingPlatforms, undefined, 'the Windows image has both');
    const windowsOnly = await bundle(['windows'], { platforms: ['windows/amd64:ltsc2025'] });
    assert.deepEqual(carried(windowsOnly.manifest.images[0]!), ['windows/amd64:10.0.26100.1742']);
    assert.deepEqual(platformWarnings(windowsOnly.warnings), []);
  });

  test('allPlatformsRequired: an image lacking any one platform asked fails the bundle, naming it and what it has', async () => {
    const dir = join(work, 'strict');
    await assert.rejects(
      createBundle({
        images: [images.multi.fullRef, images.windows.fullRef],
        outputDir: dir,
        cache: false,
        platforms: ['linux/amd64', 'linux/arm64'],
        allPlatformsRequired: true,
        registry: { insecureRegistries: [registry.host] },
      }),
      {
        code: 'platform-not-found',
        message: `Image "${registry.host}/test/windows:ltsc" has no linux/arm64; it has windows/amd64:10.0.17763.5458, windows/amd64:10.0.20348.2340, windows/amd64:10.0.26100.1742, linux/amd64.`,
      },
    );
    assert.ok(!existsSync(join(dir, 'bundle.json')));
    // every image having all of them: the strict rule passes
    const { manifest } = await bundle(['multi'], { platforms: ['linux/amd64', 'linux/arm64'], allPlatformsRequired: true });
    assert.equal(manifest.images[0]!.missingPlatforms, undefined);
  });

  test("an image's own platforms follow the same rule for that image, and are recorded as asked", async () => {
    const { manifest, warnings } = await bundle(['multi', 'shared'], {
      platforms: ['linux/amd64'],
      imagePlatforms: [{ image: images.multi.fullRef, platforms: ['linux/arm64', 'windows/amd64:ltsc2022'] }],
    });
    const multi = imageOf(manifest, 'test/multi');
    assert.deepEqual(carried(multi), ['linux/arm64/v8']);
    assert.deepEqual(multi.requestedPlatforms, ['linux/arm64', 'windows/amd64:10.0.20348']);
    assert.deepEqual(multi.missingPlatforms, ['windows/amd64:10.0.20348']);
    assert.equal(imageOf(manifest, 'test/shared').missingPlatforms, undefined);
    assert.equal(platformWarnings(warnings).length, 1);
    assert.deepEqual(checkManifestConsistency(manifest), []);
    // its own list with none it has: the error names it
    await assert.rejects(
      bundle(['multi', 'shared'], { imagePlatforms: [{ image: images.shared.fullRef, platforms: ['linux/s390x'] }] }),
      { code: 'platform-not-found', message: /test\/shared:1" has no linux\/s390x; it has linux\/amd64\./ },
    );
  });
});
