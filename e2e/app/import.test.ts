// The app's Import wizard end to end: a real bundle, real target registries (plain HTTP, and Basic auth over TLS
// with a CA file), a k3s images folder and a served bundle — driven in Debian Chromium at 1024×700.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { flipByte, freePort, makeTestBundle, sha256Digest, skopeo, skopeoFlags, startRegistry, type RegistryHandle, type TestBundle } from '../harness/index.js';
import { startAppUnderTest, type AppUnderTest } from '../harness/app-harness.js';

let bundle: TestBundle;
let plain: RegistryHandle;
let secured: RegistryHandle;
let app: AppUnderTest;
let page: Page;
/** Every HTTP response body and WebSocket frame the page received from the host. */
const received: string[] = [];

before(async () => {
  [bundle, plain, secured] = await Promise.all([makeTestBundle({ split: '1MiB', bigLayers: 2 }), startRegistry(), startRegistry({ auth: 'basic' })]);
  app = await startAppUnderTest();
  page = app.page;
  page.on('response', (response) => {
    void response.text().then(
      (text) => received.push(text),
      () => undefined,
    );
  });
  page.on('websocket', (ws) => ws.on('framereceived', (frame) => received.push(typeof frame.payload === 'string' ? frame.payload : frame.payload.toString('utf8'))));
});
after(async () => {
  await app?.close();
  await Promise.all([plain?.stop(), secured?.stop()]);
  await bundle?.cleanup();
});

const importButton = (name = 'Import') => page.getByRole('button', { name, exact: true });

async function openBundle(dir: string): Promise<void> {
  await page.getByRole('radio', { name: 'A folder' }).check();
  await page.getByLabel('Bundle folder').fill(dir);
  await page.getByRole('button', { name: 'Open bundle' }).click();
  await page.getByRole('heading', { name: /^Bundle / }).waitFor();
}

async function verify(): Promise<void> {
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await page.getByRole('heading', { name: /^Verdict: / }).waitFor({ timeout: 60_000 });
}

/** The raw manifest of `ref` in a registry, as skopeo reads it, and its digest. */
async function rawDigest(registry: Pick<RegistryHandle, 'scheme' | 'certDir' | 'username' | 'password'>, ref: string): Promise<string> {
  const r = await skopeo(['inspect', '--raw', ...skopeoFlags(registry), `docker://${ref}`]);
  assert.equal(r.code, 0, r.stderr);
  return sha256Digest(r.stdout);
}

/** `HOST/REPO:TAG@DIGEST` → `HOST/REPO:TAG`. */
const withoutDigest = (ref: string): string => ref.replace(/@sha256:[0-9a-f]{64}$/, '');

describe('the Import wizard', () => {
  test('opens a bundle folder and shows what it carries; removable media are listed or their absence explained', async () => {
    await page.goto(app.host.openUrl);
    await page.getByRole('tab', { name: /Import/ }).click();
    await page.getByText(/Open a bundle folder \(or the removable media/).waitFor();
    await page.screenshot({ path: app.shot('import-01-empty.png') });
    // removable media: the host lists volumes (none on this machine is fine: the empty state says what to do)
    await page.getByRole('radio', { name: 'Removable media' }).check();
    await page.getByRole('button', { name: 'Look for media again' }).waitFor();
    const listed = await page.getByRole('group', { name: /Volumes holding the bundle/ }).count();
    if (listed === 0) await page.getByText(/No removable media found/).waitFor();
    await page.getByRole('button', { name: 'Open bundle' }).click();
    await page.getByRole('alert').filter({ hasText: /Choose the volume/ }).waitFor();
    await page.screenshot({ path: app.shot('import-02-media.png') });

    await openBundle(bundle.dir);
    const table = page.getByRole('table', { name: /Carried/ });
    const text = await table.innerText();
    for (const image of bundle.manifest.images) assert.ok(text.includes(image.reference) && text.includes(image.digest), image.reference);
    assert.equal(await table.getByRole('row').count(), bundle.manifest.images.length + 1);
    // nothing goes further before a verification
    assert.equal(await importButton().isDisabled(), true);
    assert.match(await page.locator('#import-blocked').innerText(), /Verify the bundle first/);
    await page.screenshot({ path: app.shot('import-03-opened.png'), fullPage: true });
  });

  test('verify shows every part verified and the verdict "intact"; then the Import button is enabled', async () => {
    await verify();
    await page.getByRole('heading', { name: 'Verdict: intact' }).waitFor();
    const parts = page.getByRole('list', { name: 'Parts verified', exact: true });
    const rows = await parts.innerText();
    for (const part of bundle.manifest.archive.parts) assert.ok(rows.includes(part.name), `${part.name} in ${rows}`);
    assert.equal(await parts.locator('li.done').count(), await parts.locator('li').count());
    assert.ok(bundle.manifest.archive.parts.length >= 3, 'a split bundle');
    assert.equal(await importButton().isEnabled(), true);
    assert.equal(await page.locator('#import-blocked').count(), 0);
    await page.screenshot({ path: app.shot('import-04-verified.png'), fullPage: true });
  });

  test('the mapping preview (a dry run) lists where each image would go, pushing nothing', async () => {
    await page.getByLabel('Registry', { exact: true }).fill(`${plain.host}/mirror`);
    await page.getByRole('checkbox', { name: /Insecure/ }).check();
    await page.getByRole('button', { name: 'Preview mapping' }).click();
    const table = page.getByRole('table', { name: /Mapping preview/ });
    await table.waitFor();
    assert.equal(await table.getByRole('row').count(), bundle.manifest.images.length + 1);
    const text = await table.innerText();
    for (const image of bundle.manifest.images) {
      const path = image.reference.replace(/^[^/]+\//, '');
      assert.ok(text.includes(image.reference), image.reference);
      assert.ok(text.includes(`${plain.host}/mirror/${path}`), `${path} → mirror in ${text}`);
    }
    const catalog = await skopeo(['list-tags', ...skopeoFlags(plain), `docker://${plain.host}/mirror/test/single`]);
    assert.notEqual(catalog.code, 0, 'the dry run pushed nothing');
    await page.screenshot({ path: app.shot('import-05-preview.png'), fullPage: true });
  });

  test('import into a registry: the report lists every image and the target holds the bundle digests; mirror configuration is shown', async () => {
    await importButton().click();
    await page.getByRole('heading', { name: `Imported into ${plain.host}/mirror` }).waitFor({ timeout: 120_000 });
    const report = page.getByRole('table', { name: 'Where each image went' });
    assert.equal(await report.getByRole('row').count(), bundle.manifest.images.length + 1);
    const text = await report.innerText();
    for (const image of bundle.manifest.images) {
      const path = image.reference.replace(/^[^/]+\//, '');
      const target = `${plain.host}/mirror/${path}@${image.digest}`;
      assert.ok(text.includes(target), `${target} in ${text}`);
      assert.equal(await rawDigest(plain, withoutDigest(target)), image.digest, target);
    }
    // per-image rows of the push all ended, and the copy buttons have names
    assert.equal(await page.getByRole('list', { name: 'Images', exact: true }).locator('li.done').count(), bundle.manifest.images.length);
    assert.equal(await page.getByRole('button', { name: /^Copy the target reference of / }).count(), bundle.manifest.images.length);
    // the mirror configuration, as text to copy
    const source = bundle.manifest.images[0]!.reference.split('/')[0]!;
    const toml = await page.getByRole('region', { name: /Mirror configuration/ }).locator('pre').first().innerText();
    assert.match(toml, new RegExp(`\\[host\\."http://${plain.host.replace(/\./g, '\\.')}/v2/mirror"\\]`));
    assert.match(toml, /override_path = true/);
    const yaml = await page.getByRole('region', { name: /Mirror configuration/ }).locator('pre').last().innerText();
    assert.ok(yaml.includes(`"${source}":`) && yaml.includes(`"http://${plain.host}"`), yaml);
    await page.getByRole('button', { name: 'Copy registries.yaml' }).click();
    await page.getByRole('status').filter({ hasText: /Copied|Cannot reach the clipboard/ }).first().waitFor();
    await page.screenshot({ path: app.shot('import-06-report.png'), fullPage: true });
  });

  test('import with a login and a CA file into a Basic-auth TLS registry; the password is nowhere in the page or the API answers', async () => {
    const password = secured.password!;
    await page.getByLabel('Registry', { exact: true }).fill(`${secured.host}/site`);
    await page.getByRole('checkbox', { name: /Insecure/ }).uncheck();
    await page.getByLabel('User name').fill(secured.username!);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByLabel('CA file').fill(secured.caFile!);
    await page.screenshot({ path: app.shot('import-07-credentials.png'), fullPage: true });
    await importButton().click();
    await page.getByRole('heading', { name: `Imported into ${secured.host}/site` }).waitFor({ timeout: 120_000 });
    for (const image of bundle.manifest.images) {
      const ref = `${secured.host}/site/${image.reference.replace(/^[^/]+\//, '')}`;
      assert.equal(await rawDigest(secured, ref), image.digest, ref);
    }
    const toml = await page.getByRole('region', { name: /Mirror configuration/ }).locator('pre').first().innerText();
    assert.ok(toml.includes(`ca = ${JSON.stringify(secured.caFile)}`), toml);
    // the password left the renderer with the call: not in the DOM, not in any field, not in any answer
    assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '');
    assert.ok(!(await page.content()).includes(password), 'password in the DOM');
    const values = await page.evaluate<string[]>("[...document.querySelectorAll('input, textarea')].map((e) => e.value)");
    assert.ok(!values.includes(password));
    await page.waitForTimeout(200);
    assert.ok(received.length > 10, 'responses were captured');
    assert.ok(!received.some((body) => body.includes(password)), 'password in an API response');
    assert.ok(!JSON.stringify(app.jobMessages).includes(password), 'password in a job message');
    await page.getByText(/The password was sent with the last import and is not kept/).waitFor();
    await page.screenshot({ path: app.shot('import-08-credentials-report.png'), fullPage: true });
  });

  test('a damaged bundle shows the fault naming the part, and the Import button stays disabled with the reason', async () => {
    const damaged = bundle.copy();
    const part = bundle.manifest.archive.parts[1]!.name;
    flipByte(join(damaged, part), 4096);
    await openBundle(damaged);
    await verify();
    await page.getByRole('heading', { name: /^Verdict: damaged/ }).waitFor();
    assert.ok((await page.getByRole('list', { name: 'Faults' }).innerText()).includes(part));
    assert.equal(await page.getByRole('list', { name: 'Parts verified', exact: true }).locator('li.failed').filter({ hasText: part }).count(), 1);
    assert.equal(await importButton().isDisabled(), true);
    assert.match(await page.locator('#import-blocked').innerText(), /damaged/);
    assert.equal(await importButton().getAttribute('aria-describedby'), 'import-blocked');
    for (const kind of ['A k3s / k0s images folder', 'Serve the bundle as a registry']) {
      await page.getByRole('radio', { name: kind }).check();
      assert.equal(await page.getByRole('button', { name: kind.startsWith('Serve') ? 'Start serving' : 'Place archive' }).isDisabled(), true, kind);
    }
    await page.screenshot({ path: app.shot('import-09-damaged.png'), fullPage: true });
  });

  test('a k3s/k0s folder: the verified archive lands as ferry-<id>.tar', async () => {
    await openBundle(bundle.dir);
    await verify();
    await page.getByRole('radio', { name: 'A k3s / k0s images folder' }).check();
    const folder = join(bundle.work, 'k3s-images');
    await page.getByLabel('Images folder', { exact: true }).fill(folder);
    await importButton('Place archive').click();
    await page.getByRole('heading', { name: 'Placed' }).waitFor({ timeout: 60_000 });
    const file = join(folder, `ferry-${bundle.manifest.id.slice(0, 8)}.tar`);
    assert.ok(existsSync(file), file);
    assert.equal(statSync(file).size, bundle.manifest.archive.size);
    assert.ok((await page.getByText(file).count()) > 0);
    await page.screenshot({ path: app.shot('import-10-folder.png'), fullPage: true });
  });

  test('serve: shows the URL, skopeo reads an image from it, and Stop closes it', async () => {
    await page.getByRole('radio', { name: 'Serve the bundle as a registry' }).check();
    const port = await freePort();
    await page.getByLabel('Port on 127.0.0.1').fill(String(port));
    await importButton('Start serving').click();
    const url = `http://127.0.0.1:${port}`;
    await page.getByRole('heading', { name: `Serving at ${url}` }).waitFor({ timeout: 30_000 });
    const image = bundle.manifest.images.find((i) => i.reference.includes('test/single'))!;
    const ref = `127.0.0.1:${port}/${image.reference.replace(/^[^/]+\//, '')}`;
    const served = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]);
    assert.equal(served.code, 0, served.stderr);
    assert.equal(sha256Digest(served.stdout), image.digest);
    await page.screenshot({ path: app.shot('import-11-serving.png'), fullPage: true });
    await page.getByRole('button', { name: 'Stop serving' }).click();
    await page.getByText(`Stopped serving ${url}.`).waitFor();
    const after = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], { timeoutMs: 20_000 });
    assert.notEqual(after.code, 0, 'closed after Stop');
    assert.deepEqual(app.api.runningJobs(), []);
    await page.screenshot({ path: app.shot('import-12-stopped.png'), fullPage: true });
    assert.deepEqual(app.cspViolations, []);
  });

  test('keyboard and names: every control of the wizard has an accessible name; the opened bundle takes the focus', async () => {
    await page.getByRole('radio', { name: 'A registry', exact: true }).check();
    const unnamed = await page.evaluate<string[]>(`[...document.querySelectorAll('#panel-import input, #panel-import textarea, #panel-import button, #panel-import select')]
      .filter((el) => !((el.labels?.length ?? 0) > 0 || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || (el.tagName === 'BUTTON' && el.textContent.trim())))
      .map((el) => el.outerHTML.slice(0, 120))`);
    assert.deepEqual(unnamed, []);
    // keyboard only: type the folder, Enter opens, the focus moves to the bundle's heading
    await page.getByLabel('Bundle folder').focus();
    await page.keyboard.press('Enter');
    await page.locator('#import-bundle-title:focus').waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate<string | undefined>('document.activeElement?.textContent'), 'Trust checks (optional)');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: app.shot('import-13-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
