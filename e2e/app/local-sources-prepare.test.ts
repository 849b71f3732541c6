// The Prepare wizard with local sources in Debian Chromium: rows typed as `oci-archive:PATH:TAG` and
// `docker-archive:PATH` resolve live like registry references (digest, platforms, size), a missing archive explains
// itself on its row, and the list is looked at in both window sizes (nothing scrolls sideways).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTempDir, removeDir, runOrThrow, seedTestImages, startRegistry, type RegistryHandle, type SeededTestImages } from '../harness/index.js';
import { startAppUnderTest, type AppUnderTest } from '../harness/app-harness.js';

let registry: RegistryHandle;
let seeded: SeededTestImages;
let app: AppUnderTest;
let work: string;

before(async () => {
  // a deep folder, as archives brought on a stick often are: the rows must still fit the window
  work = await makeTempDir('ferry-prepare-local-sources-with-a-long-folder-name');
  registry = await startRegistry();
  seeded = await seedTestImages(registry);
  await runOrThrow('skopeo', ['copy', '--src-tls-verify=false', '--all', `docker://${seeded.multi.fullRef}`, `oci-archive:${join(work, 'vendor-installer-images.tar')}:1`]);
  await runOrThrow('skopeo', ['copy', '--src-tls-verify=false', `docker://${seeded.single.fullRef}`, `docker-archive:${join(work, 'single.tar')}:test/single:1.0`]);
  app = await startAppUnderTest();
});
after(async () => {
  await app?.close();
  await registry?.stop();
  if (work) await removeDir(work);
});

const row = (text: string) => app.page.locator('li.image-row').filter({ hasText: text });

describe('Prepare with local sources', () => {
  test('archive rows resolve live; a missing archive says so on its row', async () => {
    const { page } = app;
    await page.goto(app.host.openUrl);
    await page.getByRole('tab', { name: /Prepare/ }).click();
    const oci = `oci-archive:${join(work, 'vendor-installer-images.tar')}:1`;
    const docker = `docker-archive:${join(work, 'single.tar')}`;
    const missing = `docker-archive:${join(work, 'not-here.tar')}`;
    await page.getByLabel(/Image references/).fill([oci, docker, missing, ''].join('\n'));
    await page.getByText(/^3 images:/).waitFor();
    await row(oci).filter({ hasText: /sha256:/ }).waitFor({ timeout: 20_000 });
    const ociText = await row(oci).innerText();
    assert.ok(ociText.includes(seeded.multi.digest.slice(0, 19)), ociText);
    assert.match(ociText, /linux\/arm64\/v8/);
    const dockerText = await row(docker).filter({ hasText: /sha256:/ }).innerText();
    assert.match(dockerText, /linux\/amd64/);
    const missingText = await row(missing).filter({ hasText: /no such file/ }).innerText();
    assert.match(missingText, /not-here\.tar: no such file\./);
    await app.shotAtBothSizes('prepare-local-sources');
  });
});
