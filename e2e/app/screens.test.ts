// A tour of every screen's main states at the smallest supported window (800×600) and the default (1280×800): the
// regression net for "any window size". Each state is shot at both sizes by the harness, which fails when anything
// scrolls sideways or a visible control sits off-screen. Real docker-registry, a real bundle, the web host and Debian
// Chromium. Also: the app opens on Prepare, and then on the wizard used last.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { makeTestBundle, seedTestImages, startFaultProxy, startRegistry, type FaultProxy, type RegistryHandle, type TestBundle } from '../harness/index.js';
import { startAppUnderTest, type AppUnderTest } from '../harness/app-harness.js';

let bundle: TestBundle;
let registry: RegistryHandle;
let app: AppUnderTest;
let page: Page;
let proxy: FaultProxy | undefined;

before(async () => {
  [bundle, registry] = await Promise.all([makeTestBundle(), startRegistry()]);
  await seedTestImages(registry);
  app = await startAppUnderTest();
  page = app.page;
  await page.goto(app.host.openUrl);
  await page.getByRole('heading', { name: 'Ferry' }).waitFor();
});
after(async () => {
  await app?.close();
  await proxy?.stop();
  await registry?.stop();
  await bundle?.cleanup();
});

/** The selected wizard tab's first word. */
const selectedTab = async (): Promise<string> => ((await page.getByRole('tab', { selected: true }).textContent()) ?? '').split(' ')[0]!;

/** Asserts the header's controls (every tab and Settings) are inside the window at the current size. */
async function headerInView(): Promise<void> {
  const { width } = page.viewportSize()!;
  for (const control of [...(await page.getByRole('tab').all()), page.getByRole('button', { name: 'Settings' })]) {
    const box = await control.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= width + 1, `${await control.textContent()} at ${JSON.stringify(box)} in ${width}px`);
  }
}

describe('every screen at 800×600 and 1280×800', () => {
  test('the app opens on Prepare; its empty state', async () => {
    assert.equal(await selectedTab(), 'Prepare');
    await page.getByRole('tabpanel').getByLabel(/Image references/).waitFor();
    await app.shotAtBothSizes('screens-01-prepare-empty');
    await page.setViewportSize({ width: 800, height: 600 });
    await headerInView();
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('Prepare with resolved rows (one not found)', async () => {
    await page.getByLabel(/Insecure registries|Plain HTTP/).fill(registry.host);
    await page.getByLabel(/Image references/).fill(`${registry.host}/test/single:1.0\n${registry.host}/test/multi:1\n${registry.host}/test/missing:1`);
    await page.locator('li.image-row').filter({ hasText: /sha256:/ }).nth(1).waitFor({ timeout: 30_000 });
    await page.locator('li.image-row').filter({ hasText: /not found|No such/i }).waitFor({ timeout: 30_000 });
    await app.shotAtBothSizes('screens-02-prepare-rows');
  });

  test('Review: empty, then a bundle open', async () => {
    await page.getByRole('tab', { name: /Review/ }).click();
    const field = page.getByRole('tabpanel').getByLabel('Bundle folder');
    await field.waitFor();
    await app.shotAtBothSizes('screens-03-review-empty');
    await field.fill(bundle.dir);
    await field.press('Enter');
    await page.getByRole('heading', { name: `Bundle ${bundle.manifest.id}` }).waitFor();
    await page.getByRole('table', { name: /Images/ }).waitFor();
    await app.shotAtBothSizes('screens-04-review-bundle');
  });

  test('Import: empty, then a bundle open', async () => {
    await page.getByRole('tab', { name: /Import/ }).click();
    await page.getByRole('tabpanel').getByRole('radio', { name: 'A folder' }).waitFor();
    await app.shotAtBothSizes('screens-05-import-empty');
    await page.getByRole('radio', { name: 'A folder' }).check();
    await page.getByRole('tabpanel').getByLabel('Bundle folder').fill(bundle.dir);
    await page.getByRole('button', { name: 'Open bundle' }).click();
    await page.getByRole('heading', { name: /^Bundle / }).waitFor();
    await app.shotAtBothSizes('screens-06-import-bundle');
  });

  test('Import pushing: every image running is named in the progress line; Cancel stops it', async () => {
    // a registry whose blob requests are held unanswered: each image stays "pushing" until Cancel
    proxy = await startFaultProxy(registry.url);
    proxy.handler = async (_req, _res, { path, forward }) => {
      if (!/\/blobs\//.test(path)) await forward();
    };
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByRole('heading', { name: /^Verdict: / }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Registry', { exact: true }).fill(`${proxy.host}/mirror`);
    await page.getByRole('tabpanel').getByLabel(/Insecure: plain HTTP/).check();
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const line = page.locator('.progress-text').filter({ hasText: /pushing 3 images: / });
    await line.waitFor({ timeout: 30_000 }).catch(async (error: unknown) => {
      await page.screenshot({ path: app.shot('screens-07-import-pushing-failed.png'), fullPage: true });
      throw new Error(`no "pushing 3 images" line; the run step reads: ${await page.locator('section[aria-labelledby="import-run-title"]').innerText()}`, { cause: error });
    });
    const text = await line.innerText();
    for (const image of bundle.manifest.images) assert.ok(text.includes(image.reference), `${image.reference} in "${text}"`);
    assert.doesNotMatch(text, /\b0s left/);
    await app.shotAtBothSizes('screens-07-import-pushing');
    await page.getByRole('button', { name: 'Cancel import' }).click();
    await page.getByText(/Cancelled/).first().waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.progress-text').count(), 0, 'no progress line once the import stopped');
  });

  test('Settings open, with a registry set; in dark theme too', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.getByText(/The cache holds/).waitFor();
    await dialog.getByLabel('Registry host').fill(registry.host);
    await dialog.getByLabel('CA file').fill('/etc/ssl/certs/a-rather-long-folder-name/and-a-long-ca-file-name-for-the-corporate-registry.pem');
    await dialog.getByRole('button', { name: 'Save registry' }).click();
    await dialog.getByRole('row', { name: new RegExp(registry.host.replace(/\./g, '\\.')) }).waitFor();
    await app.shotAtBothSizes('screens-08-settings');
    await dialog.getByLabel('Dark').check();
    await app.shotAtBothSizes('screens-09-settings-dark');
    await dialog.getByRole('button', { name: `Remove ${registry.host}` }).click();
    await dialog.getByText(/No registry set/).waitFor();
    await dialog.getByLabel('As the system').check();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  test('a restart opens on the wizard used last (Import)', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'Ferry' }).waitFor();
    assert.equal(await selectedTab(), 'Import');
    await page.getByRole('tabpanel').getByRole('radio', { name: 'A folder' }).waitFor();
    await page.getByRole('tab', { name: /Review/ }).click();
    await page.reload();
    await page.getByRole('heading', { name: 'Ferry' }).waitFor();
    assert.equal(await selectedTab(), 'Review');
    // a stored value that is not a wizard: back to Prepare
    await page.evaluate("localStorage.setItem('ferry.wizard', 'settings')");
    await page.reload();
    await page.getByRole('heading', { name: 'Ferry' }).waitFor();
    assert.equal(await selectedTab(), 'Prepare');
    assert.deepEqual(app.cspViolations, []);
  });
});
