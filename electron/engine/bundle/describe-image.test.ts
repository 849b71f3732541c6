// describeImage / missingPlatforms against a real registry: what the app's Prepare rows show.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { imageBlobs, seedTestImages, startRegistry, type RegistryHandle, type SeededTestImages } from '../../../e2e/harness/index.js';
import { FerryError } from '../errors/ferry-error.js';
import { RegistryClient } from '../registry/registry-client.js';
import { describeImage, missingPlatforms } from './describe-image.js';

let registry: RegistryHandle;
let seeded: SeededTestImages;
let client: RegistryClient;

before(async () => {
  registry = await startRegistry();
  seeded = await seedTestImages(registry);
  client = new RegistryClient({ insecureRegistries: [registry.host] });
});
after(async () => {
  await client?.close();
  await registry?.stop();
});

const sizes = (image: SeededTestImages['multi'], foreign: boolean): number => [...imageBlobs(image).values()].filter((b) => b.foreign === foreign).reduce((n, b) => n + b.size, 0);

describe('describeImage', () => {
  test('an index: its digest, every platform, and the distinct config + layer bytes', async () => {
    const d = await describeImage(seeded.multi.fullRef, client);
    assert.equal(d.reference, seeded.multi.fullRef);
    assert.equal(d.digest, seeded.multi.digest);
    assert.equal(d.mediaType, seeded.multi.mediaType);
    assert.deepEqual(d.platforms, ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7']);
    assert.equal(d.compressedSize, sizes(seeded.multi, false), 'the shared base layer counted once');
    assert.equal(d.foreignSize, 0);
  });

  test('a single Docker manifest: the platform comes from its config', async () => {
    const d = await describeImage(seeded.single.fullRef, client);
    assert.equal(d.digest, seeded.single.digest);
    assert.deepEqual(d.platforms, ['linux/amd64']);
    assert.equal(d.compressedSize, sizes(seeded.single, false));
  });

  test('Windows: os.version per platform, foreign layers counted apart', async () => {
    const d = await describeImage(seeded.windows.fullRef, client);
    assert.ok(d.platforms.includes('windows/amd64:10.0.20348.2340'), d.platforms.join(','));
    assert.equal(d.foreignSize, sizes(seeded.windows, true));
    assert.ok(d.foreignSize > 0);
    assert.equal(d.compressedSize, sizes(seeded.windows, false));
  });

  test('an unknown image is not-found; a bad reference is bad-reference with the reason', async () => {
    await assert.rejects(describeImage(`${registry.host}/test/absent:1`, client), (e: unknown) => e instanceof FerryError && e.code === 'not-found');
    await assert.rejects(describeImage('Nginx:1', client), (e: unknown) => e instanceof FerryError && e.code === 'bad-reference' && /lowercase/.test(e.message));
  });
});

describe('missingPlatforms', () => {
  test('uses the engine matching: arm64 ≡ arm64/v8, Windows names match builds by prefix', () => {
    const available = ['linux/amd64', 'linux/arm64/v8', 'windows/amd64:10.0.20348.2340'];
    assert.deepEqual(missingPlatforms([{ wanted: ['linux/arm64', 'windows/amd64:ltsc2022', 'windows/amd64:ltsc2019', 'linux/arm/v7'], available }]), [['windows/amd64:ltsc2019', 'linux/arm/v7']]);
    assert.deepEqual(missingPlatforms([{ wanted: [], available }]), [[]]);
    assert.throws(() => missingPlatforms([{ wanted: ['linux'], available }]), (e: unknown) => e instanceof FerryError && e.code === 'bad-platform');
  });
});
