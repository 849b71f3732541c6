// The whole round trip in the app, as its three users meet it: the field engineer prepares and signs a
// bundle from a real registry, the security officer verifies and approves it (two-person rule), and the
// offline operator verifies it again and imports it into a second real registry — digests unchanged,
// proven by skopeo. Debian Chromium at 1024×700; a screenshot of every step in test-results/app/.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BundleManifest } from '../../shared/bundle-manifest.js';
import { generateSigningKey, type GeneratedSigningKey } from '../../electron/engine/index.js';
import { makeTempDir, removeDir, seedTestImages, skopeo, startRegistry, type RegistryHandle, type SeededTestImages } from '../harness/index.js';
import { startAppUnderTest, type AppUnderTest } from '../harness/app-harness.js';

let work: string;
let source: RegistryHandle;
let target: RegistryHandle;
let seeded: SeededTestImages;
let app: AppUnderTest;
let engineer: GeneratedSigningKey;
let officer: GeneratedSigningKey;
let savedCache: string | undefined;

before(async () => {
  work = await makeTempDir('ferry-app-round-trip');
  savedCache = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = join(work, 'cache');
  source = await startRegistry();
  target = await startRegistry();
  seeded = await seedTestImages(source);
  engineer = await generateSigningKey(join(work, 'engineer'));
  officer = await generateSigningKey(join(work, 'officer'));
  app = await startAppUnderTest();
});
after(async () => {
  await app?.close();
  await source?.stop();
  await target?.stop();
  if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedCache;
  if (work) await removeDir(work);
});

describe('prepare → review → import, in the app', () => {
  const dir = (): string => join(work, 'bundle');
  const sha = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

  test('prepare: paste, pick linux/amd64, split, sign, build', async () => {
    const { page } = app;
    await page.goto(app.host.openUrl);
    await page.getByRole('tab', { name: /Prepare/ }).click();
    await page.getByLabel('Insecure registries').fill(source.host);
    const refs = [seeded.multi.fullRef, seeded.shared.fullRef, seeded.single.fullRef];
    await page.getByLabel(/Image references/).fill(refs.join('\n'));
    await page.getByText(/^3 images: 3 resolved/).waitFor({ timeout: 30_000 });
    await page.getByRole('checkbox', { name: /linux\/amd64\)/ }).first().check();
    await page.getByLabel('Output folder', { exact: true }).fill(dir());
    await page.getByRole('radio', { name: /Custom size/ }).check();
    await page.getByLabel('Part size', { exact: true }).fill('1MiB');
    await page.getByLabel('Signing key', { exact: true }).fill(engineer.privateKeyFile);
    await page.screenshot({ path: app.shot('round-trip-01-prepare.png') });
    await page.getByRole('button', { name: /^Build bundle/ }).click();
    await page.getByRole('heading', { name: '5. Result' }).waitFor({ timeout: 90_000 });
    await page.screenshot({ path: app.shot('round-trip-02-built.png') });
    const manifest = JSON.parse(readFileSync(join(dir(), 'bundle.json'), 'utf8')) as BundleManifest;
    assert.equal(manifest.images.length, 3);
    assert.deepEqual(manifest.platforms, ['linux/amd64']);
  });

  test('review: the officer approves with a second key; verify with both trusted and approval required passes', async () => {
    const { page } = app;
    await page.getByRole('tab', { name: /Review/ }).click();
    const field = page.getByLabel('Bundle folder');
    await field.fill(dir());
    await field.press('Enter');
    await page.getByRole('heading', { name: /^Bundle / }).waitFor();
    await page.getByLabel('My private key').fill(officer.privateKeyFile);
    await page.getByRole('button', { name: 'Approve with my key' }).click();
    await page.getByText(new RegExp(`Approved with key ${officer.keyId.slice(0, 16)}`)).waitFor({ timeout: 30_000 });
    const signatures = await page.locator('section.approve').getByRole('list', { name: 'Signatures' }).innerText();
    assert.match(signatures, new RegExp(`Preparer valid, key ${engineer.keyId.slice(0, 16)}`));
    assert.match(signatures, new RegExp(`Approver valid, key ${officer.keyId.slice(0, 16)}`));
    await page.getByLabel('Trusted public keys').fill(`${engineer.publicKeyFile}\n${officer.publicKeyFile}`);
    await page.getByLabel(/Require an approval/).check();
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Signatures and approvals: trusted' }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: app.shot('round-trip-03-approved.png') });
  });

  test('import: verified again, then pushed into the second registry with every digest unchanged', async () => {
    const { page } = app;
    await page.getByRole('tab', { name: /Import/ }).click();
    await page.getByRole('radio', { name: 'A folder' }).check();
    await page.getByLabel('Bundle folder').fill(dir());
    await page.getByRole('button', { name: 'Open bundle' }).click();
    await page.getByRole('heading', { name: /^Bundle / }).waitFor();
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByRole('heading', { name: 'Verdict: intact' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Registry', { exact: true }).fill(`${target.host}/offline`);
    await page.getByRole('checkbox', { name: /Insecure/ }).check();
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('heading', { name: `Imported into ${target.host}/offline` }).waitFor({ timeout: 120_000 });
    await page.screenshot({ path: app.shot('round-trip-04-imported.png') });

    const manifest = JSON.parse(readFileSync(join(dir(), 'bundle.json'), 'utf8')) as BundleManifest;
    for (const image of manifest.images) {
      const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${target.host}/offline/${image.repository}:${image.tag}`]);
      assert.equal(raw.code, 0, raw.stderr);
      assert.equal(sha(raw.stdout), image.digest, `${image.repository}:${image.tag} arrives with the digest carried`);
    }
    assert.deepEqual(app.cspViolations, []);
  });
});
