// The Review wizard as a security officer uses it: the signatures panel on open, image signatures (cosign) and SBOMs,
// bundle signatures and approvals in one wording, policy results, "Sign as preparer" and "Approve with my key" on every
// copy written to media, the HTML report with the integrity verdict, images lacking a platform, long names, and a
// virtualised list of 1,200 images. Real parts only: docker-registry, the engine's createBundle/signBundle/keygen and
// writeToMedia, loop-mounted ext4 volumes, the web host, Debian Chromium, and the real `ferry verify` on each copy.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BundleManifest } from '../../shared/bundle-manifest.js';
import { createBundle, generateSigningKey, signBundle, writeToMedia, type GeneratedSigningKey } from '../../electron/engine/index.js';
import {
  cosignAttachSbom,
  cosignSign,
  makeCosignKey,
  makeSpdxSbom,
  makeTempDir,
  mountLoopImageOrDir,
  removeDir,
  seedTestImages,
  startRegistry,
  type CosignKey,
  type RegistryHandle,
  type SeededTestImages,
  type TestVolume,
} from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';
import { startAppUnderTest, type AppUnderTest } from '../harness/app-harness.js';

let work: string;
let registry: RegistryHandle;
let images: SeededTestImages;
let cosignKey: CosignKey;
let alice: GeneratedSigningKey;
let bob: GeneratedSigningKey;
let dir: string;
let manifest: BundleManifest;
/** An unsigned bundle of linux/amd64 and linux/arm64 (two of its images publish amd64 only), written to two volumes. */
let filtered: string;
let filteredManifest: BundleManifest;
let volumes: TestVolume[] = [];
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
  filtered = join(work, 'filtered');
  filteredManifest = (
    await createBundle({
      images: ['test/multi:1', 'test/shared:1', 'test/single:1.0'].map((r) => `${registry.host}/${r}`),
      outputDir: filtered,
      platforms: ['linux/amd64', 'linux/arm64'],
      cache: false,
      registry: { insecureRegistries: [registry.host] },
    })
  ).manifest;
  // two sticks, each holding a copy written earlier (as Prepare's Write to media does)
  for (const name of ['stick-a', 'stick-b']) {
    const volume = await mountLoopImageOrDir(join(work, name), join(work, `${name}.img`), 'ext4', 32 * 1024 * 1024);
    volumes.push(volume);
    await writeToMedia({ dir: filtered, targets: [volume.dir] });
  }
  app = await startAppUnderTest();
  await app.page.goto(app.host.openUrl);
  await app.page.getByRole('heading', { name: 'Ferry' }).waitFor();
  await app.page.getByRole('tab', { name: /Review/ }).click();
});

after(async () => {
  await app?.close();
  for (const v of volumes) await v.cleanup();
  volumes = [];
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

  test('the signatures panel shows on open: the preparer signature, valid, its key, and trust once keys are given', async () => {
    const { page } = app;
    const panel = page.getByRole('region', { name: 'Signatures and approvals' });
    const line = panel.getByRole('list', { name: 'Signatures' }).getByRole('listitem');
    await line.first().waitFor();
    assert.equal(await line.count(), 1);
    assert.match(await line.innerText(), new RegExp(`Preparer valid, key ${alice.keyId.slice(0, 16)}, trust not checked \\(no trusted keys given\\)`));
    // only bob trusted: alice's key is not a trusted one
    await page.getByLabel('Trusted public keys').fill(bob.publicKeyFile);
    await panel.getByText(`Preparer valid, key ${alice.keyId.slice(0, 16)}, not a trusted key`).waitFor();
    await app.shotAtBothSizes('review-trust-signatures-untrusted');
    await page.getByLabel('Trusted public keys').fill(alice.publicKeyFile);
    await panel.getByText(`Preparer valid, key ${alice.keyId.slice(0, 16)}, trusted (${alice.publicKeyFile})`).waitFor();
    await app.shotAtBothSizes('review-trust-signatures-trusted');
    await page.getByLabel('Trusted public keys').fill('');
    await panel.getByText(/trust not checked/).waitFor();
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
    // one source of truth, one wording: the Approve box, the panel and the verdict say the same of bob's approval
    const words = `Approver valid, key ${bob.keyId.slice(0, 16)}, trusted (${bob.publicKeyFile})`;
    for (const where of [page.locator('section.approve'), page.getByRole('region', { name: 'Signatures and approvals' }), page.locator('.verdict')]) {
      assert.match(await where.getByRole('list', { name: 'Signatures' }).innerText(), new RegExp(words.replace(/[()]/g, '\\$&')));
    }
    assert.equal(await page.getByText('not a trusted key').count(), 0);
    // focus moved to the verdict when Verify finished
    assert.equal(await page.evaluate('document.activeElement && document.activeElement.id'), 'verdict');
    await page.screenshot({ path: app.shot('13-review-approved-verified.png'), fullPage: true });
    await app.shotAtBothSizes('review-trust-approved-verified');
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
    // the Verify run just before (policy) judged this bundle.json: its integrity verdict is in the page
    assert.match(html, /<h2>Integrity<\/h2><p>Intact: \d+ blobs/);
    await page.getByText(/with the integrity verdict of Verify at .*: intact/).waitFor();
    await page.screenshot({ path: app.shot('16-review-report.png'), fullPage: true });
    await app.shotAtBothSizes('review-trust-report');
  });
});

describe('Review: an unsigned bundle also written to two sticks', () => {
  test('the copies are named; Approve is refused and offers Sign as preparer; both then land on every copy, and ferry verify passes on each', async (t) => {
    const { page } = app;
    const plain = volumes.filter((v) => v.kind === 'dir');
    if (plain.length > 0) {
      t.skip(`no real volumes to find copies on: ${plain[0]!.fallbackReason}`);
      return;
    }
    await page.getByLabel('Trusted public keys').fill('');
    await page.getByLabel(/Require an approval/).uncheck();
    await page.getByLabel('Policy file').fill('');
    await openBundle(filtered);
    const notice = page.getByRole('note', { name: /This bundle was also written to/ });
    await notice.waitFor();
    for (const v of volumes) assert.ok((await notice.innerText()).includes(v.dir), v.dir);
    assert.equal(await notice.getByRole('checkbox', { name: /Sign and approve every copy \(3 folders\)/ }).isChecked(), true);
    await page.getByRole('region', { name: 'Signatures and approvals' }).getByText(/No signature: this bundle is not signed/).waitFor();
    await app.shotAtBothSizes('review-copies-unsigned');
    // approving an unsigned bundle: refused, and Sign as preparer is right there
    await page.getByLabel('My private key').fill(bob.privateKeyFile);
    await page.getByRole('button', { name: 'Approve with my key' }).click();
    const alert = page.locator('section.approve').getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /no valid preparer signature/);
    assert.doesNotMatch(await alert.innerText(), /--sign-key|ferry bundle/, 'the app names its own buttons, not CLI flags');
    const sign = page.getByRole('group', { name: 'Sign as preparer' });
    await sign.waitFor();
    await app.shotAtBothSizes('review-copies-approve-refused');
    await sign.getByLabel("Preparer's private key").fill(alice.privateKeyFile);
    await sign.getByRole('button', { name: 'Sign as preparer' }).click();
    await sign.getByText(new RegExp(`Signed as preparer with key ${alice.keyId.slice(0, 16)}`)).waitFor({ timeout: 60_000 });
    await page.getByRole('region', { name: 'Signatures and approvals' }).getByText(new RegExp(`Preparer valid, key ${alice.keyId.slice(0, 16)}`)).waitFor();
    await page.getByRole('button', { name: 'Approve with my key' }).click();
    await page.getByText(new RegExp(`Approved with key ${bob.keyId.slice(0, 16)} on 3 folders`)).waitFor({ timeout: 60_000 });
    await app.shotAtBothSizes('review-copies-approved');
    for (const folder of [filtered, ...volumes.map((v) => v.dir)]) {
      assert.ok(existsSync(join(folder, 'signatures', `preparer-${alice.keyId.slice(0, 16)}.json`)), `preparer signature on ${folder}`);
      assert.ok(existsSync(join(folder, 'signatures', `approver-${bob.keyId.slice(0, 16)}.json`)), `approval on ${folder}`);
      const verified = await runFerry(['verify', folder, '--require-approval', '--trust', alice.publicKeyFile, '--trust', bob.publicKeyFile]);
      assert.equal(verified.code, 0, `ferry verify ${folder}: ${verified.stdout}${verified.stderr}`);
    }
  });

  test('images lacking a chosen platform: a warning on their rows and the count in the summary', async () => {
    const { page } = app;
    const lacking = filteredManifest.images.filter((i) => (i.missingPlatforms?.length ?? 0) > 0);
    assert.equal(lacking.length, 2, 'test/shared and test/single publish linux/amd64 only');
    await openBundle(filtered);
    await page.getByText(/⚠ 2 images lack a chosen platform/).waitFor();
    const table = page.getByRole('table', { name: /Images/ });
    for (const image of filteredManifest.images) {
      const row = table.getByRole('row').filter({ hasText: image.reference });
      const warning = row.getByRole('note');
      if (image.missingPlatforms?.length) assert.match(await warning.innerText(), /not carried for linux\/arm64: nodes of that platform cannot run it/);
      else assert.equal(await warning.count(), 0, image.reference);
    }
    await app.shotAtBothSizes('review-missing-platforms');
  });

  test('long names wrap at / : @ (or after a hyphen), never inside a word', async () => {
    const { page } = app;
    const synthetic = join(work, 'long-names');
    mkdirSync(synthetic);
    const template = manifest.images[0]!;
    const names = ['platform-engineering/observability/collectors/opentelemetry-collector-contrib', 'security/scanners/vulnerability-database-updater', 'team/app'];
    const images = names.map((repository) => ({ ...template, referrers: [], reference: `registry.example.internal:5000/${repository}:2024.10.01-release`, source: `registry.example.internal:5000/${repository}:2024.10.01-release`, registry: 'registry.example.internal:5000', repository, tag: '2024.10.01-release' }));
    writeFileSync(join(synthetic, 'bundle.json'), JSON.stringify({ ...manifest, images }, null, 2));
    await openBundle(join(synthetic, 'bundle.json'));
    await page.setViewportSize({ width: 800, height: 600 });
    // where each line of every reference cell ends: the character before each break must be a separator
    const breaks = (await page.evaluate(`(() => {
      const out = [];
      for (const cell of document.querySelectorAll('table.images th.reference')) {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        let prevTop = null, prevChar = '';
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (node.parentElement.closest('.source')) continue;
          for (let i = 0; i < node.data.length; i++) {
            const range = document.createRange();
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            const rect = range.getClientRects()[0];
            if (!rect) continue;
            if (prevTop !== null && rect.top > prevTop + 2) out.push(prevChar + '|' + node.data[i]);
            prevTop = rect.top;
            prevChar = node.data[i];
          }
        }
      }
      return out;
    })()`)) as string[];
    assert.ok(breaks.length > 0, 'at 800 px the long references wrap');
    // a hyphen ends a word too (`opentelemetry-collector`): the browser may break after one, never between letters
    for (const b of breaks) assert.match(b, /^[/:@-]\|/, `a reference broke inside a word: ${b}`);
    await app.shotAtBothSizes('review-long-names');
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
