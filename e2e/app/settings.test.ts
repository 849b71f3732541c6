// The Settings dialog: a registry login kept by the host (never sent back to the page), used by a bundle job against a
// Basic-auth registry with its own CA; the cache folder's size and Clear; the light/dark theme. Real docker-registry,
// the web host and Debian Chromium.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Locator } from 'playwright-core';
import type { ApiChannel, JobMessage } from '../../shared/api-contract.js';
import { buildSingleImage, makeLayer, makeTempDir, pushImage, removeDir, startRegistry, type RegistryHandle } from '../harness/index.js';
import { startAppUnderTest, type AppUnderTest } from '../harness/app-harness.js';

let work: string;
let registry: RegistryHandle;
let digest: string;
let app: AppUnderTest;
/** Every answer of a settings.* or cache.* call the page received, as text. */
const settingsAnswers: string[] = [];

/** Runs a job through the host's API and waits for its one result or error. */
async function runJob(channel: ApiChannel, input: unknown): Promise<{ result?: unknown; error?: { code: string; message: string } }> {
  const started = await app.api.invoke(channel, input);
  assert.ok(started.ok, JSON.stringify(started));
  const { jobId } = started.result as { jobId: string };
  const ended = (m: JobMessage): boolean => m.jobId === jobId && !('event' in m);
  for (let i = 0; i < 1200; i += 1) {
    const final = app.jobMessages.find(ended);
    if (final) return 'result' in final ? { result: final.result } : 'error' in final ? { error: final.error } : {};
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${channel} did not finish`);
}

/** Asserts an element is inside the window and inside the dialog's visible part (not scrolled out of view). */
async function assertInView(locator: Locator, what: string): Promise<void> {
  const { height, width } = app.page.viewportSize()!;
  const box = await locator.boundingBox();
  const dialogBox = await app.page.getByRole('dialog', { name: 'Settings' }).boundingBox();
  assert.ok(box && dialogBox, `${what} is shown`);
  assert.ok(box.y >= 0 && box.y + box.height <= height && box.x >= 0 && box.x + box.width <= width, `${what} in the window: ${JSON.stringify(box)}`);
  assert.ok(box.y >= dialogBox.y && box.y + box.height <= dialogBox.y + dialogBox.height, `${what} in the dialog's view: ${JSON.stringify({ box, dialogBox })}`);
}

before(async () => {
  work = await makeTempDir('ferry-app-settings');
  registry = await startRegistry({ auth: 'basic' });
  assert.ok(registry.password && registry.caFile && registry.scheme === 'https');
  digest = await pushImage(registry, 'team/app', '1', buildSingleImage('oci', { os: 'linux', architecture: 'amd64' }, [await makeLayer({ 'app.txt': 'settings test layer\n' })]));
  app = await startAppUnderTest();
  app.page.on('response', (response) => {
    if (/\/api\/(settings|cache)\./.test(response.url())) {
      void response.text().then(
        (t) => settingsAnswers.push(t),
        () => undefined,
      );
    }
  });
  await app.page.goto(app.host.openUrl);
  await app.page.getByRole('heading', { name: 'Ferry' }).waitFor();
});

after(async () => {
  await app?.close();
  await registry?.stop();
  if (work) await removeDir(work);
});

describe('Settings', () => {
  test('opens from the header by keyboard; the cache folder is set to a test folder', async () => {
    const { page } = app;
    await page.getByRole('button', { name: 'Settings' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.waitFor();
    await dialog.getByText(/The cache holds/).waitFor();
    await dialog.getByLabel('Cache folder').fill(join(work, 'cache'));
    await dialog.getByLabel('Concurrency').fill('3');
    // at the smallest window the Save button sits low in the dialog: "Saved." shows beside it, in view, as a status
    await page.setViewportSize({ width: 800, height: 600 });
    const save = dialog.getByRole('button', { name: 'Save', exact: true });
    await save.click();
    await dialog.getByText(new RegExp(`The cache holds 0 B in 0 blobs \\(${join(work, 'cache').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\)`)).waitFor();
    const saved = dialog.getByRole('status').filter({ hasText: /^Saved\.$/ });
    await saved.waitFor();
    assert.equal(await dialog.getByRole('status').filter({ hasText: /Saved/ }).count(), 1, 'one "Saved." only, the one beside Save');
    await assertInView(saved, 'Saved.');
    const [savedBox, saveBox] = [await saved.boundingBox(), await save.boundingBox()];
    assert.ok(savedBox && saveBox && Math.abs(savedBox.y + savedBox.height / 2 - (saveBox.y + saveBox.height / 2)) < saveBox.height, `beside Save: ${JSON.stringify({ savedBox, saveBox })}`);
    await app.shotAtBothSizes('settings-01-saved');
    const view = await app.api.invoke('settings.get', {});
    assert.ok(view.ok);
    assert.deepEqual((view.result as { concurrency: number }).concurrency, 3);
    await page.screenshot({ path: app.shot('20-settings-open.png') });
  });

  test('a mistake shows beside the button that made it, and the next action clears it', async () => {
    const { page } = app;
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await page.setViewportSize({ width: 800, height: 600 });
    // Save registry without a host: the error sits beside Save registry, in view
    await dialog.getByRole('button', { name: 'Save registry' }).click();
    const noHost = dialog.getByRole('alert').filter({ hasText: /Type the registry host/ });
    await noHost.waitFor();
    await assertInView(noHost, 'the registry host error');
    await app.shotAtBothSizes('settings-02-registry-error');
    await page.setViewportSize({ width: 800, height: 600 });
    // the next action (Save in Jobs and cache) replaces it with its own outcome, beside its own button
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    const saved = dialog.getByRole('status').filter({ hasText: /^Saved\.$/ });
    await saved.waitFor();
    await assertInView(saved, 'Saved.');
    assert.equal(await dialog.getByRole('alert').count(), 0, 'the registry error is gone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('with the registry\'s CA but no login, the Basic-auth registry refuses the bundle job', async () => {
    const set = await app.api.invoke('settings.setRegistry', { host: registry.host, caFile: registry.caFile });
    assert.ok(set.ok, JSON.stringify(set));
    const outcome = await runJob('bundle.create', { images: [`${registry.host}/team/app:1`], outputDir: join(work, 'refused') });
    assert.ok(outcome.error, 'the job failed');
    assert.match(outcome.error.message, /credential|login|auth|unauthori/i);
  });

  test('a registry with a password: kept by the host, never sent back; a bundle job then succeeds with it', async () => {
    const { page } = app;
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.getByLabel('Registry host').fill(registry.host);
    await dialog.getByLabel('Username').fill(registry.username!);
    await dialog.getByLabel('Password', { exact: true }).fill(registry.password!);
    await dialog.getByLabel('CA file').fill(registry.caFile!);
    await page.screenshot({ path: app.shot('21-settings-registry-typed.png') });
    await dialog.getByRole('button', { name: 'Save registry' }).click();
    const row = dialog.getByRole('row', { name: new RegExp(registry.host.replace(/\./g, '\\.')) });
    await row.waitFor();
    assert.match(await row.innerText(), /ferry[\s\S]*kept by the host/);
    assert.equal(await dialog.getByLabel('Password', { exact: true }).inputValue(), '', 'the typed password is cleared');
    // neither the page nor any settings answer holds the password
    const html = await page.content();
    assert.ok(!html.includes(registry.password!), 'the DOM does not hold the password');
    const values = await page.locator('input').evaluateAll((inputs) => inputs.map((i) => (i as unknown as { value: string }).value));
    assert.ok(!values.includes(registry.password!));
    const get = await app.api.invoke('settings.get', {});
    assert.ok(get.ok);
    assert.ok(!JSON.stringify(get.result).includes(registry.password!));
    assert.deepEqual((get.result as { registries: unknown[] }).registries, [{ host: registry.host, username: 'ferry', hasPassword: true, caFile: registry.caFile, insecure: false }]);
    assert.ok(settingsAnswers.length >= 3, `${settingsAnswers.length} settings answers seen`);
    for (const answer of settingsAnswers) assert.ok(!answer.includes(registry.password!), 'no settings answer holds the password');
    await page.screenshot({ path: app.shot('22-settings-registry-saved.png') });

    const outputDir = join(work, 'bundle');
    const outcome = await runJob('bundle.create', { images: [`${registry.host}/team/app:1`], outputDir });
    assert.equal(outcome.error, undefined, JSON.stringify(outcome.error));
    const summary = outcome.result as { manifest: { images: { digest: string }[] } };
    assert.equal(summary.manifest.images[0]!.digest, digest);
    assert.ok(existsSync(join(outputDir, 'bundle.json')));
    // nothing the host logged or answered holds it either
    assert.ok(!JSON.stringify(app.jobMessages).includes(registry.password!));
  });

  test('the cache size shows what the job cached, and Clear empties it', async () => {
    const { page } = app;
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Settings' }).click();
    const size = dialog.locator('.cache-size');
    await size.getByText(/The cache holds [1-9][\d.]* (B|kB|KB|KiB|MB|MiB) in [1-9]\d* blobs?/).waitFor();
    await page.screenshot({ path: app.shot('23-settings-cache.png') });
    await dialog.getByRole('button', { name: 'Clear cache' }).click();
    await size.getByText(/The cache holds 0 B in 0 blobs/).waitFor();
    assert.deepEqual(existsSync(join(work, 'cache', 'blobs')) ? readdirSync(join(work, 'cache', 'blobs')) : [], []);
    await dialog.getByText('Cache cleared.').waitFor();
    await page.screenshot({ path: app.shot('24-settings-cache-cleared.png') });
  });

  test('the theme: Dark and Light put a class on <html>, override the system, and persist', async () => {
    const { page } = app;
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    const background = (): Promise<string> => page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    await page.emulateMedia({ colorScheme: 'light' });
    await dialog.getByLabel('Dark').check();
    assert.equal(await page.locator('html').getAttribute('class'), 'theme-dark');
    assert.equal(await background(), 'rgb(15, 20, 25)');
    await page.screenshot({ path: app.shot('25-settings-theme-dark.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await dialog.getByLabel('Light').check();
    assert.equal(await page.locator('html').getAttribute('class'), 'theme-light');
    assert.equal(await background(), 'rgb(255, 255, 255)');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.reload();
    await page.getByRole('heading', { name: 'Ferry' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('class'), 'theme-light');
    await page.screenshot({ path: app.shot('26-settings-theme-light-kept.png') });
    await page.getByRole('button', { name: 'Settings' }).click();
    await dialog.getByLabel('As the system').check();
    assert.equal(await page.locator('html').getAttribute('class') ?? '', '');
    assert.equal(await background(), 'rgb(15, 20, 25)');
    assert.deepEqual(app.cspViolations, []);
  });
});
