// The app's Review wizard end to end: `ferry ui`'s web host with the built renderer, driven in Debian Chromium.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { JobMessage } from '../../shared/api-contract.js';
import { flipByte, makeTestBundle, type TestBundle } from '../harness/index.js';
import { startAppUnderTest, type AppUnderTest } from '../harness/app-harness.js';

let bundle: TestBundle;
let app: AppUnderTest;
let page: Page;
let cspViolations: string[];
let jobMessages: JobMessage[];
const shot = (name: string): string => app.shot(name);

before(async () => {
  bundle = await makeTestBundle({ split: '1MiB', bigLayers: 3 });
  app = await startAppUnderTest();
  ({ page, cspViolations, jobMessages } = app);
});
after(async () => {
  await app?.close();
  await bundle?.cleanup();
});

async function openBundle(dir: string): Promise<void> {
  const field = page.getByLabel('Bundle folder');
  await field.fill(dir);
  await field.press('Enter');
  await page.getByRole('heading', { name: /^Bundle / }).waitFor();
}

describe('the Review wizard', () => {
  test('opens from the printed URL (token → cookie) with the three wizards; Review is one click away', async () => {
    await page.goto(app.host.openUrl);
    assert.equal(new URL(page.url()).search, '', 'the token is dropped from the address bar');
    await page.getByRole('heading', { name: 'Ferry' }).waitFor();
    const tabs = page.getByRole('tab');
    assert.deepEqual((await tabs.allTextContents()).map((t) => t.split(' ')[0]), ['Prepare', 'Review', 'Import']);
    await page.getByRole('tab', { name: /Review/ }).click();
    assert.equal(await page.getByRole('tab', { name: /Review/ }).getAttribute('aria-selected'), 'true');
    // keyboard: arrows move between the wizards
    await page.getByRole('tab', { name: /Review/ }).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getByRole('tab', { name: /Import/ }).getAttribute('aria-selected'), 'true');
    await page.getByRole('tabpanel').getByText(/ferry import/).waitFor();
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.getByRole('tab', { name: /Review/ }).getAttribute('aria-selected'), 'true');
    await page.screenshot({ path: shot('01-review-empty.png') });
  });

  test('shows every image: reference, original and carried digests, platforms, size', async () => {
    await openBundle(bundle.dir);
    const table = page.getByRole('table', { name: /Images/ });
    await table.waitFor();
    const rows = table.getByRole('row');
    assert.equal(await rows.count(), bundle.manifest.images.length + 1);
    const text = await table.innerText();
    for (const image of bundle.manifest.images) {
      assert.ok(text.includes(image.reference), image.reference);
      assert.ok(text.includes(image.originalDigest), `${image.reference} original digest`);
      assert.ok(text.includes(image.digest), `${image.reference} carried digest`);
    }
    assert.match(text, /linux\/amd64/);
    assert.match(text, /linux\/arm64/);
    assert.ok((await page.getByText(bundle.manifest.id).count()) > 0);
    assert.match(await page.locator('.bundle-summary').innerText(), new RegExp(`in ${bundle.manifest.archive.parts.length} parts`));
    // opened: the signatures panel says at once that this bundle is not signed
    await page.getByRole('region', { name: 'Signatures and approvals' }).getByText(/No signature: this bundle is not signed/).waitFor();
    await page.screenshot({ path: shot('02-review-images.png'), fullPage: true });
    await app.shotAtBothSizes('review-images');
  });

  test('Verify shows the verdict "intact"', async () => {
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Verdict: intact' }).waitFor({ timeout: 30_000 });
    const checks = await page.getByRole('list', { name: 'Checks' }).innerText();
    assert.match(checks, /parts/);
    assert.equal(await page.getByRole('list', { name: 'Faults' }).count(), 0);
    // the job ran in the host and reported byte progress (throttled) before its one result
    const final = jobMessages.find((m) => 'result' in m)!;
    const progress = jobMessages.filter((m) => m.jobId === final.jobId && 'event' in m && m.event.kind === 'bytes');
    assert.ok(progress.length >= 1, 'byte progress was sent');
    assert.ok('result' in jobMessages.filter((m) => m.jobId === final.jobId).at(-1)!);
    // focus went to the verdict (the Verify button was disabled while it ran), not to the page body
    assert.equal(await page.evaluate('document.activeElement && document.activeElement.id'), 'verdict');
    await page.screenshot({ path: shot('03-review-intact.png'), fullPage: true });
    await app.shotAtBothSizes('review-intact');
  });

  test('a flipped byte in a part: Verify shows the fault naming the part', async () => {
    const damaged = bundle.copy();
    const part = bundle.manifest.archive.parts[1]!.name;
    flipByte(join(damaged, part), 4096);
    await openBundle(damaged);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: /^Verdict: damaged/ }).waitFor({ timeout: 30_000 });
    const faults = await page.getByRole('list', { name: 'Faults' }).innerText();
    assert.ok(faults.includes(part), faults);
    assert.equal(await page.evaluate('document.activeElement && document.activeElement.id'), 'verdict');
    await app.shotAtBothSizes('review-damaged');
    await page.screenshot({ path: shot('04-review-damaged.png'), fullPage: true });
  });

  test('the host opens a bundle in Review (the desktop File → Open bundle…, `ferry ui DIR`) from any wizard', async () => {
    await page.getByRole('tab', { name: /Prepare/ }).click();
    await page.getByRole('tab', { name: /Prepare/ }).and(page.locator('[aria-selected="true"]')).waitFor();
    app.host.send({ command: 'open-bundle', dir: join(bundle.dir, 'bundle.json') });
    await page.getByRole('tab', { name: /Review/ }).and(page.locator('[aria-selected="true"]')).waitFor();
    await page.getByRole('heading', { name: `Bundle ${bundle.manifest.id}` }).waitFor();
    assert.equal(await page.getByLabel('Bundle folder').inputValue(), join(bundle.dir, 'bundle.json'));
    assert.equal(await page.getByRole('table', { name: /Images/ }).getByRole('row').count(), bundle.manifest.images.length + 1);
  });

  test('bad input is explained, and the page broke no CSP rule', async () => {
    await page.getByLabel('Bundle folder').fill(join(bundle.work, 'nowhere'));
    await page.getByRole('button', { name: 'Open' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /No bundle at .*nowhere/);
    await page.screenshot({ path: shot('05-review-error.png') });
    // dark theme follows prefers-color-scheme
    await page.emulateMedia({ colorScheme: 'dark' });
    const background = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    assert.equal(background, 'rgb(15, 20, 25)');
    await page.screenshot({ path: shot('06-review-dark.png') });
    assert.deepEqual(cspViolations, []);
  });
});
