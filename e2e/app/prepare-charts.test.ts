// The Prepare wizard carries Helm charts, plain files and referrers, like `ferry bundle --chart --file --referrers`:
// a chart from the harness's Helm repository on loopback, a local file and a cosign-signed image with an SBOM,
// added by keyboard in Debian Chromium (a bad chart source refused inline), kept across a reload, built, listed in
// the result, and then read back from bundle.json and checked with `sha256sum -c SHA256SUMS`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BundleManifest } from '../../shared/bundle-manifest.js';
import {
  cosignAttachSbom,
  cosignSign,
  makeCosignKey,
  makeSpdxSbom,
  makeTempDir,
  makeTestChart,
  removeDir,
  seedTestImages,
  startHelmRepo,
  startRegistry,
  type HelmRepoHandle,
  type PushedArtifact,
  type RegistryHandle,
  type SeededTestImages,
  type TestChart,
} from '../harness/index.js';
import { startAppUnderTest, type AppUnderTest } from '../harness/app-harness.js';

let work: string;
let registry: RegistryHandle;
let seeded: SeededTestImages;
let repo: HelmRepoHandle;
let webapp: TestChart;
let signature: PushedArtifact;
let sbom: PushedArtifact;
let app: AppUnderTest;
const notes = Buffer.from('Install notes for the air-gapped site.\n'.repeat(40));
const savedCache = process.env.XDG_CACHE_HOME;
const hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

before(async () => {
  work = await makeTempDir('ferry-prepare-charts-app');
  // the in-process host's builds use the default cache: keep it inside the test's folder
  process.env.XDG_CACHE_HOME = join(work, 'cache');
  registry = await startRegistry();
  seeded = await seedTestImages(registry);
  const key = makeCosignKey('ecdsa-p256', work, 'cosign');
  const { shared } = seeded;
  signature = await cosignSign(registry, shared.repository, shared.digest, `${registry.host}/${shared.repository}`, key);
  sbom = await cosignAttachSbom(registry, shared.repository, shared.digest, makeSpdxSbom('shared', ['busybox', 'musl']));
  webapp = await makeTestChart('webapp', '0.1.0', { prov: true });
  repo = await startHelmRepo([webapp]);
  writeFileSync(join(work, 'install-notes.txt'), notes);
  app = await startAppUnderTest();
});
after(async () => {
  await app?.close();
  await Promise.allSettled([registry?.stop(), repo?.stop()]);
  if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedCache;
  if (work) await removeDir(work);
});

describe('the Prepare wizard with charts, files and referrers', () => {
  const chartSource = (): string => `${repo.url}/webapp@0.1.0`;

  test('empty states say what to do; a bad chart source is refused inline; a chart and a file are added by keyboard', async () => {
    const { page } = app;
    await page.goto(app.host.openUrl);
    await page.getByRole('tab', { name: /Prepare/ }).click();
    await page.getByText('No charts: type one above and press Add chart').waitFor();
    await page.getByText('No files: type a path or URL above and press Add file').waitFor();
    await page.getByLabel('Insecure registries').fill(registry.host);
    await page.getByLabel(/Image references/).fill(`${seeded.shared.fullRef}\n`);
    await page.locator('li.image-row').filter({ hasText: /sha256:/ }).waitFor({ timeout: 20_000 });

    // a chart without its version: the host's parser says why, next to the field, and nothing is added
    await page.getByLabel('Helm chart').focus();
    await page.keyboard.type(`${repo.url}/webapp`);
    await page.keyboard.press('Enter');
    const refusal = page.locator('.charts-files [role="alert"], .charts-files .error').first();
    await refusal.waitFor();
    assert.match(await refusal.innerText(), /REPO_URL\/NAME@VERSION/);
    assert.equal(await page.getByRole('list', { name: 'Charts to carry' }).count(), 0);
    await page.screenshot({ path: app.shot('prepare-charts-01-refused.png') });

    // typing replaces it: the good source, added with Enter
    await page.getByLabel('Helm chart').fill('');
    await page.keyboard.type(chartSource());
    await page.keyboard.press('Enter');
    const charts = page.getByRole('list', { name: 'Charts to carry' });
    await charts.getByText('webapp 0.1.0').waitFor();
    assert.equal(await page.getByLabel('Helm chart').inputValue(), '', 'the field empties once added');

    // a file: tab from the chart's button to the file field, type, Enter
    await page.getByLabel('Plain file').focus();
    await page.keyboard.type(join(work, 'install-notes.txt'));
    await page.keyboard.press('Enter');
    const files = page.getByRole('list', { name: 'Files to carry' });
    await files.getByText('files/install-notes.txt').waitFor();
    assert.match(await files.innerText(), /install-notes\.txt · 1\.56 kB/, 'the local file shows its size (1560 bytes)');

    // a second file, removed again with its named Remove button (keyboard)
    await page.getByLabel('Plain file').fill('https://downloads.example/tool-1.2.tar.gz');
    await page.keyboard.press('Enter');
    await files.getByText('files/tool-1.2.tar.gz').waitFor();
    await page.getByRole('button', { name: 'Remove file https://downloads.example/tool-1.2.tar.gz' }).focus();
    await page.keyboard.press('Enter');
    await files.getByText('files/tool-1.2.tar.gz').waitFor({ state: 'detached' });
    assert.equal(await files.locator('li').count(), 1);

    // usable at 1024×700: nothing wider than the window
    assert.equal(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), true, 'no horizontal scroll at 1024 px');
    await page.getByRole('heading', { name: 'Charts and files' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: app.shot('prepare-charts-02-added.png') });
  });

  test('the referrers option is off by default, is set by keyboard, and the chart, file and option survive a reload', async () => {
    const { page } = app;
    const option = page.getByRole('checkbox', { name: 'Carry signatures, SBOMs and attestations (referrers)' });
    assert.equal(await option.isChecked(), false, 'off by default, as ferry bundle');
    await option.focus();
    await page.keyboard.press('Space');
    assert.equal(await option.isChecked(), true);
    await page.getByRole('textbox', { name: 'Output folder' }).fill(join(work, 'bundle'));
    await page.reload();
    await page.getByRole('tab', { name: /Prepare/ }).click();
    await page.getByRole('list', { name: 'Charts to carry' }).getByText('webapp 0.1.0').waitFor();
    await page.getByRole('list', { name: 'Files to carry' }).getByText('files/install-notes.txt').waitFor();
    assert.equal(await page.getByRole('checkbox', { name: 'Carry signatures, SBOMs and attestations (referrers)' }).isChecked(), true);
  });

  test('build: the result lists the chart, file and referrers; bundle.json carries them and SHA256SUMS checks', async () => {
    const { page } = app;
    await page.getByLabel('Insecure registries').fill(registry.host);
    await page.locator('li.image-row').filter({ hasText: /sha256:/ }).waitFor({ timeout: 20_000 });
    const build = page.getByRole('button', { name: 'Build bundle (1 image, 1 chart, 1 file)' });
    await build.focus();
    await page.keyboard.press('Enter');
    // the build ends in its ✓ line, or an error that would say why
    const outcome = page.locator('section.build .done, section.build .error').first();
    await outcome.waitFor({ timeout: 60_000 });
    assert.match(await outcome.innerText(), /✓ Bundle .* built in/);
    const result = page.locator('section.result');
    await result.getByRole('list', { name: 'Charts carried' }).getByText('webapp').waitFor();
    assert.match(await result.getByRole('list', { name: 'Charts carried' }).innerText(), /webapp 0\.1\.0 · .*B · with provenance/);
    assert.match(await result.getByRole('list', { name: 'Files carried' }).innerText(), /files\/install-notes\.txt · .*B/);
    assert.match(await result.innerText(), /Signatures, SBOMs and attestations carried: 1 signature, 1 SBOM/);
    await result.scrollIntoViewIfNeeded();
    await page.screenshot({ path: app.shot('prepare-charts-03-result.png') });

    const dir = join(work, 'bundle');
    const manifest = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as BundleManifest;
    assert.deepEqual(
      manifest.charts.map((c) => ({ name: c.name, version: c.version, source: c.source, chartDigest: c.chartDigest, provenance: c.provenance })),
      [{ name: 'webapp', version: '0.1.0', source: chartSource(), chartDigest: webapp.digest, provenance: true }],
    );
    assert.ok(manifest.blobs.some((b) => b.digest === webapp.digest), 'the chart .tgz is a blob of the archive');
    assert.deepEqual(
      manifest.files.map((f) => ({ name: f.name, size: f.size, sha256: f.sha256 })),
      [{ name: 'install-notes.txt', size: notes.length, sha256: hex(notes) }],
    );
    const image = manifest.images.find((i) => i.digest === seeded.shared.digest);
    assert.ok(image, 'the image is carried');
    assert.deepEqual(
      (image.referrers ?? []).map((r) => `${r.kind} ${r.digest}`).sort(),
      [`sbom ${sbom.digest}`, `signature ${signature.digest}`].sort(),
    );
    // every archive part and bundle.json as SHA256SUMS lists them
    const sums = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
    assert.match(sums, /bundle\.json: OK/);
    assert.match(sums, /bundle\.tar: OK/);
    // the file's bytes are in the archive at files/<name>
    const tar = execFileSync('tar', ['-xOf', join(dir, 'bundle.tar'), 'files/install-notes.txt']);
    assert.equal(hex(tar), hex(notes));
  });
});
