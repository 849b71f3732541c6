// The Review wizard as a security officer uses it: image signatures (cosign) and SBOMs, bundle signatures and
// approvals, policy results, "Approve with my key", the HTML report, and a virtualised list of 1,200 images.
// Real parts only: docker-registry, the engine's createBundle/signBundle, the web host, Debian Chromium.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BundleManifest } from '../../shared/bundle-manifest.js';
import { createBundle, generateSigningKey, signBundle, type GeneratedSigningKey } from '../../electron/engine/index.js';
import { cosignAttachSbom, cosignSign, makeCosignKey, makeSpdxSbom, makeTempDir, removeDir, seedTestImages, startRegistry, type CosignKey, type RegistryHandle, type SeededTestImages } from '../harness/index.js';
import { startAppUnderTest, type AppUnderTest } from '../harness/app-harness.js';

let work: string;
let registry: RegistryHandle;
let images: SeededTestImages;
let cosignKey: CosignKey;
let alice: GeneratedSigningKey;
let bob: GeneratedSigningKey;
let dir: string;
let manifest: BundleManifest;
let app: AppUnderTest;

before(async () => {
  work = await makeTempDir('ferry-app-review-trust');
  registry = await startRegistry();
  images = await seedTestImages(registry);
  cosignKey = makeCosignKey('ecdsa-p256', work, 'cosign');
  const { multi } = images;
  await cosignSign(registry, multi.repository, multi.digest, `${registry.host}/${multi.repository}`, cosignKey);
  await cosignAttachSbom(registry, multi.repository, multi.digest, makeSpdxSbom('multi', ['busybox', 'musl', 'zlib']));
  dir = join(work, 'bundle');
  const result = await createBundle({
    images: ['test/multi:1', 'test/shared:1', 'test/single:1.0'].map((r) => `${registry.host}/${r}`),
    outputDir: dir,
    referrers: true,
    cache: false,
    split: '1MiB',
    registry: { insecureRegistries: [registry.host] },
  });
  manifest = result.manifest;
  alice = await generateSigningKey(join(work, 'alice'));
  bob = await generateSigningKey(join(work, 'bob'));
  await signBundle(dir, alice.privateKeyFile, 'preparer');
  app = await startAppUnderTest();
  await app.page.goto(app.host.openUrl);
  await app.page.getByRole('heading', { name: 'Ferry' }).waitFor();
});

after(async () => {
  await app?.close();
  await registry?.stop();
  if (work) await removeDir(work);
});

async function openBundle(path: string): Promise<void> {
  const { page } = app;
  const field = page.getByLabel('Bundle folder');
  await field.fill(path);
  await field.press('Enter');
  await page.getByRole('heading', { name: /^Bundle / }).waitFor();
}

describe('Review: trust, approval, policy, cosign, report', () => {
  test('opening bundle.json itself shows images, digests, platforms, sizes and the carried SBOM', async () => {
    const { page } = app;
    await openBundle(join(dir, 'bundle.json'));
    const table = page.getByRole('table', { name: /Images/ });
    const text = await table.innerText();
    for (const image of manifest.images) {
      assert.ok(text.includes(image.reference), image.reference);
      assert.ok(text.includes(image.originalDigest), `${image.reference} original digest`);
    }
    assert.match(text, /linux\/arm64/);
    const artifacts = page.getByRole('list', { name: 'Carried signatures, SBOMs and attestations' });
    await artifacts.getByText(/SPDX-2\.3, 3 packages/).waitFor();
    assert.match(await artifacts.innerText(), new RegExp(`${images.multi.repository}[\\s\\S]*Cosign signature: 1 carried`));
    assert.match(await page.locator('.charts').innerText(), /No Helm charts carried/);
    await page.screenshot({ path: app.shot('10-review-trust-opened.png'), fullPage: true });
  });

  test('a cosign public key: the signed image shows "signed by key" with that key, the others unsigned', async () => {
    const { page } = app;
    await page.getByLabel('Cosign public keys').fill(cosignKey.publicKeyFile);
    await page.getByRole('button', { name: 'Check image signatures' }).click();
    const artifacts = page.getByRole('list', { name: 'Carried signatures, SBOMs and attestations' });
    await artifacts.getByText(`Cosign signature: signed by key ${cosignKey.publicKeyFile}`).waitFor();
    assert.equal(await artifacts.getByText('Cosign signature: unsigned').count(), 2, 'shared and single carry no signature');
    await page.screenshot({ path: app.shot('11-review-cosign.png'), fullPage: true });
  });

  test('approving with the preparer\'s key is refused, with the reason', async () => {
    const { page } = app;
    await page.getByLabel('My private key').fill(alice.privateKeyFile);
    await page.getByRole('button', { name: 'Approve with my key' }).click();
    const alert = page.locator('section.approve').getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /prepar/i);
    assert.equal(existsSync(join(dir, 'signatures', `approver-${alice.keyId.slice(0, 16)}.json`)), false);
    await page.screenshot({ path: app.shot('12-review-approve-refused.png'), fullPage: true });
  });

  test('approving with a second key: both signatures valid, and "require approval" verify passes', async () => {
    const { page } = app;
    await page.getByLabel('My private key').fill(bob.privateKeyFile);
    await page.getByRole('button', { name: 'Approve with my key' }).click();
    await page.getByText(new RegExp(`Approved with key ${bob.keyId.slice(0, 16)}`)).waitFor();
    const list = page.locator('section.approve').getByRole('list', { name: 'Signatures' });
    const approved = await list.innerText();
    assert.match(approved, new RegExp(`Preparer valid, key ${alice.keyId.slice(0, 16)}`));
    assert.match(approved, new RegExp(`Approver valid, key ${bob.keyId.slice(0, 16)}`));
    assert.ok(existsSync(join(dir, 'signatures', `approver-${bob.keyId.slice(0, 16)}.json`)));
    await page.getByLabel('Trusted public keys').fill(`${alice.publicKeyFile}\n${bob.publicKeyFile}`);
    await page.getByLabel(/Require an approval/).check();
    await page.getByLabel('Cosign public keys').fill('');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Signatures and approvals: trusted' }).waitFor({ timeout: 60_000 });
    const verdict = await page.locator('.verdict').innerText();
    assert.match(verdict, /Verdict: intact/);
    assert.match(verdict, new RegExp(`Preparer valid, key ${alice.keyId.slice(0, 16)}, trusted`));
    assert.match(verdict, new RegExp(`Approver valid, key ${bob.keyId.slice(0, 16)}, trusted`));
    assert.equal(await page.getByRole('list', { name: 'Trust problems' }).count(), 0);
    await page.screenshot({ path: app.shot('13-review-approved-verified.png'), fullPage: true });
  });

  test('"require approval" without the approver trusted names what is missing', async () => {
    const { page } = app;
    await page.getByLabel('Trusted public keys').fill(alice.publicKeyFile);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Signatures and approvals: NOT trusted' }).waitFor({ timeout: 60_000 });
    assert.match(await page.getByRole('list', { name: 'Trust problems' }).innerText(), /approv/i);
    await page.screenshot({ path: app.shot('14-review-approval-missing.png'), fullPage: true });
  });

  test('a policy with a violation shows it, naming the image', async () => {
    const { page } = app;
    const policy = join(work, 'policy.yaml');
    writeFileSync(policy, 'version: 1\nforbiddenTags:\n  - "1.0"\n');
    await page.getByLabel('Trusted public keys').fill(`${alice.publicKeyFile}\n${bob.publicKeyFile}`);
    await page.getByLabel('Policy file').fill(policy);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: /Policy .*: 1 violation/ }).waitFor({ timeout: 60_000 });
    const violations = await page.getByRole('list', { name: 'Policy violations' }).innerText();
    assert.match(violations, /forbiddenTags/);
    assert.match(violations, /test\/single/);
    await page.screenshot({ path: app.shot('15-review-policy.png'), fullPage: true });
  });

  test('Export HTML report writes the page, holding the bundle id and the signatures', async () => {
    const { page } = app;
    const out = join(work, 'report', 'review.html');
    mkdirSync(join(work, 'report'));
    await page.getByLabel('Report file').fill(out);
    await page.getByRole('button', { name: 'Export HTML report' }).click();
    await page.getByText(`Report written: ${out}`).waitFor();
    const html = readFileSync(out, 'utf8');
    assert.ok(html.includes(manifest.id), 'the report names the bundle');
    assert.ok(html.includes(bob.keyId.slice(0, 16)), 'the report lists the approval');
    assert.match(html, /forbiddenTags/);
    await page.screenshot({ path: app.shot('16-review-report.png'), fullPage: true });
  });
});

describe('Review: 1,200 images stay smooth (virtualised list)', () => {
  test('only the rows in view are in the DOM; scrolling reveals later ones; ARIA keeps the count', async () => {
    const { page } = app;
    const synthetic = join(work, 'synthetic');
    mkdirSync(synthetic);
    const template = manifest.images[0]!;
    // every identity field agrees with the reference, as a real bundle.json must (Review reads it through the checked reader)
    const many = Array.from({ length: 1200 }, (_, i) => {
      const repository = `team/app-${String(i).padStart(4, '0')}`;
      return { ...template, referrers: [], reference: `registry.example/${repository}:1`, source: `registry.example/${repository}:1`, registry: 'registry.example', repository, tag: '1' };
    });
    writeFileSync(join(synthetic, 'bundle.json'), JSON.stringify({ ...manifest, images: many }, null, 2));
    await openBundle(join(synthetic, 'bundle.json'));
    const table = page.getByRole('table', { name: /Images \(1200\)/ });
    await table.waitFor();
    assert.equal(await table.getAttribute('aria-rowcount'), '1201');
    const rendered = await page.locator('table.images tbody tr.row').count();
    assert.ok(rendered > 0 && rendered < 80, `rendered ${rendered} rows of 1200`);
    assert.equal(await page.getByText('registry.example/team/app-1199:1').count(), 0);
    await page.screenshot({ path: app.shot('17-review-1200-top.png') });
    const started = Date.now();
    await page.locator('.image-scroll').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await page.getByText('registry.example/team/app-1199:1', { exact: true }).waitFor();
    const elapsed = Date.now() - started;
    const after = await page.locator('table.images tbody tr.row').count();
    assert.ok(after < 80, `rendered ${after} rows after scrolling`);
    assert.equal(await page.getByText('registry.example/team/app-0000:1', { exact: true }).count(), 0);
    assert.equal(await page.locator('tr', { hasText: 'registry.example/team/app-1199:1' }).getAttribute('aria-rowindex'), '1201');
    // and back to the middle
    await page.locator('.image-scroll').evaluate((el) => {
      el.scrollTop = el.scrollHeight / 2;
    });
    await page.getByText('registry.example/team/app-0600:1', { exact: true }).waitFor();
    await page.screenshot({ path: app.shot('18-review-1200-scrolled.png') });
    assert.ok(elapsed < 5000, `scrolling to the end took ${elapsed} ms`);
    assert.deepEqual(app.cspViolations, []);
  });
});
