// Every wizard audited with axe-core (WCAG 2.1 A and AA rules: names of controls, labels, roles, contrast,
// landmarks) in the states users meet — empty, filled, verified, dialogs open — in light and dark themes,
// at 1280×800 in Debian Chromium (the Settings dialog also at 800×600); a whole review done with the keyboard only;
// and the focus moved to the result when Verify and Import finish (never dropped on the page body).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { makeTestBundle, seedTestImages, startRegistry, type RegistryHandle, type TestBundle } from '../harness/index.js';
import { startAppUnderTest, type AppUnderTest } from '../harness/app-harness.js';
import { auditPage } from '../harness/axe-audit.js';

let bundle: TestBundle;
let registry: RegistryHandle;
let app: AppUnderTest;
let page: Page;
const audited: string[] = [];

before(async () => {
  [bundle, registry] = await Promise.all([makeTestBundle({ split: '1MiB' }), startRegistry()]);
  await seedTestImages(registry);
  app = await startAppUnderTest();
  page = app.page;
  await page.goto(app.host.openUrl);
  await page.getByRole('heading', { name: 'Ferry' }).waitFor();
});
after(async () => {
  await app?.close();
  await registry?.stop();
  await bundle?.cleanup();
});

/** Whether the element has the keyboard focus. */
const isFocused = (locator: Locator): Promise<boolean> =>
  locator.evaluate((el: unknown) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement);

/** What has the keyboard focus, as text ("body" when the focus fell to the page body). */
const FOCUSED = "(() => { const el = document.activeElement; return el && el !== document.body ? el.tagName.toLowerCase() + ': ' + (el.textContent || '').trim().slice(0, 200) : 'body'; })()";

/** Waits until the keyboard focus is on an element (not the page body) whose text matches. */
async function focusLandsOn(text: RegExp, what: string): Promise<void> {
  const check = `new RegExp(${JSON.stringify(text.source)}, ${JSON.stringify(text.flags)}).test(${FOCUSED})`;
  await page.waitForFunction(check, undefined, { timeout: 10_000 }).catch(async () => {
    throw new Error(`${what}: the focus is on ${(await page.evaluate(FOCUSED)) as string}, not on ${text}`);
  });
}

/** Runs axe on the page as it is, in light and dark, and fails listing every violation with the elements at fault. */
async function audit(state: string): Promise<void> {
  await auditPage(page, state);
  audited.push(state);
}

describe('accessibility (axe-core, WCAG 2.1 AA)', () => {
  test('Prepare: empty (charts and files section, options), then with resolved rows (one not found)', async () => {
    assert.equal(await page.getByRole('tab', { name: /Prepare/ }).getAttribute('aria-selected'), 'true', 'the app opens on Prepare');
    await audit('Prepare, empty');
    await page.getByLabel('Insecure registries').fill(registry.host);
    await page.getByLabel(/Image references/).fill(`${registry.host}/test/single:1.0\n${registry.host}/test/multi:1\n${registry.host}/test/missing:1`);
    await page.locator('li.image-row').filter({ hasText: /sha256:/ }).nth(1).waitFor({ timeout: 30_000 });
    await page.locator('li.image-row').filter({ hasText: /not found|No such/i }).waitFor({ timeout: 30_000 });
    await audit('Prepare, three rows resolved (one not found)');
    await page.screenshot({ path: app.shot('a11y-01-prepare.png'), fullPage: true });
  });

  test('Settings dialog', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('dialog', { name: 'Settings' }).getByText(/The cache holds/).waitFor();
    await audit('Settings dialog');
    await page.setViewportSize({ width: 800, height: 600 });
    await audit('Settings dialog at 800×600');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Settings' }).waitFor({ state: 'detached' });
  });

  test('Review: a bundle opened and verified, with the keyboard only', async () => {
    await page.getByRole('tab', { name: /Review/ }).click();
    await audit('Review, empty');
    // keyboard only: focus the folder field by tabbing, type, Enter; tab to Verify, Enter
    await page.getByRole('tab', { name: /Review/ }).focus();
    const field = page.getByLabel('Bundle folder');
    for (let i = 0; i < 20 && !(await isFocused(field)); i++) await page.keyboard.press('Tab');
    assert.ok(await isFocused(field), 'the bundle folder field is reachable with Tab');
    await page.keyboard.type(bundle.dir);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `Bundle ${bundle.manifest.id}` }).waitFor();
    const verify = page.getByRole('button', { name: 'Verify', exact: true });
    for (let i = 0; i < 60 && !(await isFocused(verify)); i++) await page.keyboard.press('Tab');
    assert.ok(await isFocused(verify), 'Verify is reachable with Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /^Verdict: intact/ }).or(page.getByText(/intact/).first()).waitFor({ timeout: 60_000 });
    // the focus follows the result, so the keyboard user reads on from the verdict
    await focusLandsOn(/verdict|intact/i, 'after Verify in Review');
    await audit('Review, bundle verified');
    await page.screenshot({ path: app.shot('a11y-02-review.png'), fullPage: true });
  });

  test('Import: bundle opened and verified, each target', async () => {
    await page.getByRole('tab', { name: /Import/ }).click();
    await audit('Import, empty');
    await page.getByRole('radio', { name: 'A folder' }).check();
    await page.getByLabel('Bundle folder').fill(bundle.dir);
    await page.getByRole('button', { name: 'Open bundle' }).click();
    await page.getByRole('heading', { name: /^Bundle / }).waitFor();
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByRole('heading', { name: /^Verdict: / }).waitFor({ timeout: 60_000 });
    await focusLandsOn(/verdict|intact/i, 'after Verify in Import');
    await audit('Import, verified, registry target');
    const targets = page.getByRole('group', { name: 'Import into' }).getByRole('radio');
    assert.ok((await targets.count()) >= 3, 'the import targets are offered');
    for (const target of await targets.all()) {
      await target.check();
      const name = (await target.evaluate((el) => el.parentElement?.textContent ?? '')).trim();
      await audit(`Import, target "${name}"`);
    }
    await page.screenshot({ path: app.shot('a11y-03-import.png'), fullPage: true });
    assert.deepEqual(app.cspViolations, [], 'axe ran without breaking the CSP');
    // the audit can fail: a button without a name, put into the page for a moment, is caught
    await page.evaluate("document.querySelector('main').appendChild(Object.assign(document.createElement('button'), { id: 'unnamed-probe' })) && undefined");
    await assert.rejects(audit('with an unnamed button'), /button-name/);
    await page.evaluate("document.getElementById('unnamed-probe').remove()");
    assert.ok(audited.length >= 10, `${audited.length} states audited: ${audited.join('; ')}`);
  });

  test('the wizard tabs by keyboard: arrows move from the focused tab, Home and End, and wrap', async () => {
    const tab = (name: RegExp): Locator => page.getByRole('tab', { name });
    const selected = async (): Promise<string> => ((await page.getByRole('tab', { selected: true }).textContent()) ?? '').split(' ')[0]!;
    assert.equal(await selected(), 'Import');
    await tab(/Review/).focus();
    await page.keyboard.press('ArrowLeft');
    assert.equal(await selected(), 'Prepare');
    assert.ok(await isFocused(tab(/Prepare/)), 'the focus follows the selection');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await selected(), 'Import');
    await page.keyboard.press('Home');
    assert.equal(await selected(), 'Prepare');
    await page.keyboard.press('End');
    assert.equal(await selected(), 'Import');
    await page.keyboard.press('ArrowRight');
    assert.equal(await selected(), 'Prepare');
    assert.equal(await tab(/Prepare/).getAttribute('tabindex'), '0', 'only the selected tab is in the Tab order');
    assert.equal(await tab(/Import/).getAttribute('tabindex'), '-1');
  });
});
