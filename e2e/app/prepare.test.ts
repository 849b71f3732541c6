// The app's Prepare wizard end to end: paste a list, resolve live against a real registry, choose
// platforms and split, build, see the picture, cancel a build, write to two "volumes" — in Debian Chromium.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { verifyBundle } from '../../electron/engine/index.js';
import type { CreateBundleSummary } from '../../shared/api-contract.js';
import { buildSingleImage, makeLayer, makeRandomLayer, makeTempDir, pushImage, removeDir, seedTestImages, startCuttingProxy, startRegistry, type CuttingProxyHandle, type RegistryHandle, type SeededTestImages } from '../harness/index.js';
import { startAppUnderTest, type AppUnderTest } from '../harness/app-harness.js';

const MiB = 1024 * 1024;
let registry: RegistryHandle;
let secured: RegistryHandle;
let securedDigest: string;
let seeded: SeededTestImages;
let proxy: CuttingProxyHandle;
let app: AppUnderTest;
let work: string;
const savedCache = process.env.XDG_CACHE_HOME;

before(async () => {
  work = await makeTempDir('ferry-prepare-app');
  // the in-process host's builds use the default cache: keep it inside the test's folder
  process.env.XDG_CACHE_HOME = join(work, 'cache');
  [registry, secured] = await Promise.all([startRegistry(), startRegistry({ auth: 'basic' })]);
  securedDigest = await pushImage(secured, 'team/secret', '1', buildSingleImage('oci', { os: 'linux', architecture: 'amd64' }, [await makeLayer({ 'secret.txt': 'behind a login\n' })]));
  seeded = await seedTestImages(registry);
  // test/medium:1 (two random 1 MiB layers) makes the bundle span several 1 MiB parts
  const medium = [await makeLayer({ 'etc/os-release': 'ID=ferry-medium\n' }), await makeRandomLayer(MiB, { name: 'data/0.bin' }), await makeRandomLayer(MiB, { name: 'data/1.bin' })];
  await pushImage(registry, 'test/medium', '1', buildSingleImage('oci', { os: 'linux', architecture: 'amd64' }, medium));
  // test/big:1 through a proxy that hangs after 1 MiB: a build that is still running when Cancel is pressed
  const big = [await makeLayer({ 'etc/os-release': 'ID=ferry-big\n' }), await makeRandomLayer(4 * MiB, { name: 'data/0.bin' })];
  await pushImage(registry, 'test/big', '1', buildSingleImage('oci', { os: 'linux', architecture: 'amd64' }, big));
  proxy = await startCuttingProxy(registry.host, { cutAfterBytes: MiB, stall: true });
  app = await startAppUnderTest();
});
after(async () => {
  await app?.close();
  await proxy?.stop();
  await registry?.stop();
  await secured?.stop();
  if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedCache;
  if (work) await removeDir(work);
});

const rows = () => app.page.locator('li.image-row');
const row = (reference: string) => rows().filter({ has: app.page.locator('.ref', { hasText: new RegExp(`^${reference.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });

async function waitForText(reference: string, pattern: RegExp): Promise<string> {
  const r = row(reference);
  await r.filter({ hasText: pattern }).waitFor({ timeout: 20_000 });
  return r.innerText();
}

describe('the Prepare wizard', () => {
  test('opens on Prepare with the keyboard and says what to do on an empty list', async () => {
    const { page } = app;
    await page.goto(app.host.openUrl);
    await page.getByRole('tab', { name: /Review/ }).focus();
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.getByRole('tab', { name: /Prepare/ }).getAttribute('aria-selected'), 'true');
    await page.getByText('No images yet: paste references above').waitFor();
    // a plain-HTTP registry on loopback: named as insecure, by keyboard
    await page.getByLabel('Insecure registries').focus();
    await page.keyboard.type(`${registry.host} ${proxy.host}`);
    await page.screenshot({ path: app.shot('prepare-01-empty.png') });
  });

  test('1,000 pasted references stay a short DOM: only the visible rows are rendered', async () => {
    const { page } = app;
    const many = Array.from({ length: 1000 }, (_, i) => `${registry.host}/test/many-${i}:1`).join('\n');
    await page.getByLabel(/Image references/).fill(many);
    await page.getByText(/^1000 images:/).waitFor();
    const rendered = await rows().count();
    assert.ok(rendered > 0 && rendered < 40, `${rendered} rows in the DOM for 1000 images`);
    // keyboard: End scrolls the list to its last row, which is then rendered (and still few rows)
    await page.getByRole('region', { name: /Image rows/ }).focus();
    await page.keyboard.press('End');
    await page.locator('li.image-row[data-index="999"]').waitFor();
    assert.ok((await rows().count()) < 40);
    // they resolve a few at a time, from the top: unknown repositories say "Not found"
    await page.keyboard.press('Home');
    await page.locator('li.image-row[data-index="0"]').filter({ hasText: /Not found/ }).waitFor({ timeout: 30_000 });
    assert.match(await page.locator('.list-summary').innerText(), /resolving/, 'the rest are still queued, not all at once');
    await page.screenshot({ path: app.shot('prepare-02-thousand-rows.png') });
  });

  test('rows resolve live: digest, platforms, size; a bad reference and an unknown image explain themselves', async () => {
    const { page } = app;
    const good = [seeded.multi.fullRef, seeded.single.fullRef, seeded.shared.fullRef];
    const unknown = `${registry.host}/test/absent:1`;
    await page.getByLabel(/Image references/).fill(['# airgap-images.txt', ...good, unknown, 'Nginx:1.27', ''].join('\n'));
    await page.getByText(/^5 images:/).waitFor();
    for (const image of [seeded.multi, seeded.single, seeded.shared]) {
      const text = await waitForText(image.fullRef, /sha256:/);
      assert.ok(text.includes(image.digest.slice(0, 19)), `${image.fullRef} shows its digest: ${text}`);
      assert.match(text, /linux\/amd64/);
      assert.match(text, /\d+(\.\d+)? (B|kB|MB)/);
    }
    assert.match(await row(seeded.multi.fullRef).innerText(), /linux\/arm64\/v8.*linux\/arm\/v7|linux\/arm\/v7.*linux\/arm64\/v8/);
    assert.match(await waitForText(unknown, /Not found/), /Not found/);
    assert.match(await waitForText('Nginx:1.27', /Bad reference/), /lowercase/);
    await page.screenshot({ path: app.shot('prepare-03-resolved.png') });
  });

  test('Build checks everything first: every problem at once, each on its row or field; rows in error are not counted; nothing is built', async () => {
    const { page } = app;
    const unknown = `${registry.host}/test/absent:1`;
    await page.getByText(/^5 images: 3 resolved, 2 with errors\.$/).waitFor({ timeout: 20_000 });
    await page.getByLabel('Output folder', { exact: true }).fill('');
    await page.getByRole('radio', { name: /Custom size/ }).check();
    await page.getByLabel('Part size', { exact: true }).fill('4Gi');
    await page.getByLabel('Parity parts', { exact: true }).fill('40');
    const build = page.getByRole('button', { name: /^Build bundle/ });
    assert.equal(await build.innerText(), 'Build bundle (3 images)', 'the rows in error are not counted');
    await build.click();
    const problems = page.getByRole('list', { name: 'Problems' });
    await problems.waitFor();
    const listed = await problems.getByRole('listitem').allInnerTexts();
    assert.equal(listed.length, 5, listed.join('\n'));
    assert.match(listed[0]!, new RegExp(`^${unknown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be carried .*not found`));
    assert.match(listed[1]!, /^Nginx:1\.27 cannot be carried .*lowercase/);
    assert.match(listed[2]!, /output folder/);
    assert.match(listed[3]!, /Type a part size like 700MB/, '4Gi is refused before the build, as the engine would refuse it');
    assert.match(listed[4]!, /Parity is a whole number/);
    assert.match(await page.locator('.prepare .problems strong').innerText(), /Nothing was built: 5 problems need fixing first/);
    // each also on its field
    assert.match(await page.locator('.options .field-problem').first().innerText(), /output folder/);
    assert.match(await page.locator('.options fieldset .field-problem').innerText(), /part size/);
    assert.ok(!app.jobMessages.some((m) => 'result' in m || 'error' in m), 'no build was started');
    await app.shotAtBothSizes('prepare-problems');
    // fixing a field takes its problem away at once
    await page.getByLabel('Parity parts', { exact: true }).fill('');
    await page.getByLabel('Part size', { exact: true }).fill('4GiB');
    await problems.getByRole('listitem').nth(2).waitFor();
    assert.equal(await problems.getByRole('listitem').count(), 3);
    await page.getByRole('radio', { name: /No split/ }).check();
  });

  test('platforms: each image carries whichever of the chosen it has; one with none is in error on its row; the hint says which', async () => {
    const { page } = app;
    const hint = page.locator('#platforms-hint');
    assert.match(await hint.innerText(), /^None chosen: every image is carried exactly as published/);
    const arm64 = page.getByRole('checkbox', { name: /linux\/arm64\)/ }).first();
    await arm64.focus();
    await page.keyboard.press('Space');
    assert.match(await hint.innerText(), /^Each image carries whichever of these it has/, 'the hint follows the boxes');
    // single and shared publish linux/amd64 only: none of the chosen, an error on the row, not counted
    await row(seeded.single.fullRef).filter({ hasText: /none of the chosen platforms/ }).waitFor();
    await row(seeded.shared.fullRef).filter({ hasText: /none of the chosen platforms/ }).waitFor();
    assert.doesNotMatch(await row(seeded.multi.fullRef).innerText(), /none of the chosen|carried without/);
    assert.equal(await page.getByRole('button', { name: /^Build bundle/ }).innerText(), 'Build bundle (1 image)');
    // amd64 too: they are carried without arm64, a warning
    await page.getByRole('checkbox', { name: /linux\/amd64\)/ }).first().check();
    await row(seeded.single.fullRef).filter({ hasText: /carried without linux\/arm64/ }).waitFor();
    assert.match(await row(seeded.shared.fullRef).innerText(), /carried without linux\/arm64/);
    assert.doesNotMatch(await row(seeded.multi.fullRef).innerText(), /carried without/);
    assert.equal(await page.getByRole('button', { name: /^Build bundle/ }).innerText(), 'Build bundle (3 images)');
    assert.match(await page.locator('.step').nth(1).innerText(), /Every image must have every chosen platform/);
    await app.shotAtBothSizes('prepare-platforms-mixed');
  });

  test('an image’s platforms open next to its row and offer only the platforms it publishes', async () => {
    const { page } = app;
    const button = page.getByRole('button', { name: `Platforms for ${seeded.multi.fullRef}` });
    await button.click();
    const panel = page.getByRole('dialog', { name: `Platforms of ${seeded.multi.fullRef}` });
    await panel.waitFor();
    const b = (await button.boundingBox())!;
    const p = (await panel.boundingBox())!;
    assert.ok(Math.abs(p.y - (b.y + b.height)) <= 8, `right under its button: panel top ${p.y}, button bottom ${b.y + b.height}`);
    assert.ok(Math.abs(p.x + p.width - (b.x + b.width)) <= 2, `right-aligned to its button: ${p.x + p.width} vs ${b.x + b.width}`);
    const offered = (await panel.locator('.popover-checks label').allInnerTexts()).map((t) => t.trim()).sort();
    assert.deepEqual(offered, ['linux/amd64', 'linux/arm/v7', 'linux/arm64/v8'], 'only what multi publishes');
    assert.ok(await panel.getByRole('checkbox', { name: /Use the bundle's choice/ }).isChecked());
    await app.shotAtBothSizes('prepare-platform-panel');
    // its own: starts from the chosen platforms it has, one unticked
    await panel.getByRole('checkbox', { name: /Use the bundle's choice/ }).uncheck();
    assert.ok(await panel.getByRole('checkbox', { name: 'linux/amd64', exact: true }).isChecked());
    assert.ok(await panel.getByRole('checkbox', { name: 'linux/arm64/v8', exact: true }).isChecked());
    await panel.getByRole('checkbox', { name: 'linux/arm64/v8', exact: true }).uncheck();
    assert.equal(await button.innerText(), 'Platforms: linux/amd64');
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    assert.equal(await button.evaluate((el) => el === (el.ownerDocument as unknown as { activeElement: unknown }).activeElement), true, 'the focus is back on the row button');
    // single publishes one platform: that is all it offers
    await page.getByRole('button', { name: `Platforms for ${seeded.single.fullRef}` }).click();
    const single = page.getByRole('dialog', { name: `Platforms of ${seeded.single.fullRef}` });
    assert.deepEqual((await single.locator('.popover-checks label').allInnerTexts()).map((t) => t.trim()), ['linux/amd64']);
    await single.getByRole('button', { name: 'Done' }).click();
    // back to the bundle's choice, and linux/amd64 alone
    await button.click();
    await panel.getByRole('checkbox', { name: /Use the bundle's choice/ }).check();
    await panel.getByRole('button', { name: 'Done' }).click();
    assert.equal(await button.innerText(), 'Platforms…');
    await page.getByRole('checkbox', { name: /linux\/arm64\)/ }).first().uncheck();
    await page.getByText(/carried without linux\/arm64/).first().waitFor({ state: 'detached' });
    assert.match(await page.locator('#platforms-hint').innerText(), /^Each image carries whichever/);
    assert.match(await page.locator('.step').nth(1).innerText(), /foreign/i);
  });

  let built: CreateBundleSummary;
  test('build with linux/amd64 and 1 MiB parts: progress, then a picture of the bundle; it verifies and carries the registry digests', async () => {
    const { page } = app;
    const refs = [seeded.multi.fullRef, seeded.single.fullRef, seeded.shared.fullRef, `${registry.host}/test/medium:1`];
    // the list comes from a file in k0s airgap list-images form, loaded by path with the keyboard
    const listFile = join(work, 'airgap-images.txt');
    writeFileSync(listFile, `# images for the site\n${refs.join('\n')}\n\n# end\n`);
    await page.getByLabel(/Image references/).fill('');
    await page.getByLabel('List file', { exact: true }).focus();
    await page.keyboard.type(listFile);
    await page.keyboard.press('Enter');
    await page.getByText(`Added 4 images from ${listFile}.`).waitFor();
    assert.equal((await page.getByLabel(/Image references/).inputValue()).trim(), refs.join('\n'));
    await page.getByText(/^4 images: 4 resolved/).waitFor({ timeout: 20_000 });
    await page.getByLabel('Output folder', { exact: true }).fill(join(work, 'bundle'));
    await page.getByRole('radio', { name: /Custom size/ }).check();
    await page.getByLabel('Part size', { exact: true }).fill('1MiB');
    await page.screenshot({ path: app.shot('prepare-05-options.png') });
    await page.getByRole('button', { name: /^Build bundle/ }).click();
    await page.getByRole('heading', { name: '5. Result' }).waitFor({ timeout: 60_000 });
    const final = app.jobMessages.filter((m) => 'result' in m).at(-1)!;
    built = (final as { result: CreateBundleSummary }).result;
    const dir = join(work, 'bundle');
    assert.equal(built.dir, dir);
    // the picture: one bar segment per image, and the bytes saved by shared layers (multi and shared share a base layer)
    assert.equal(await page.locator('.bundle-picture > svg rect').count(), 4);
    assert.match(await page.locator('.savings').innerText(), /saved by shared layers/);
    assert.ok(built.manifest.images.reduce((n, i) => n + i.size, 0) > built.manifest.blobs.reduce((n, b) => n + b.size, 0));
    await page.screenshot({ path: app.shot('prepare-06-result.png'), fullPage: true });

    const report = await verifyBundle({ dirs: [dir] });
    assert.ok(report.ok, JSON.stringify(report.integrity.faults));
    assert.ok(built.manifest.archive.parts.length >= 3, 'split into 1 MiB parts');
    assert.deepEqual(built.manifest.platforms, ['linux/amd64']);
    const byRef = new Map(built.manifest.images.map((i) => [i.reference, i]));
    for (const image of [seeded.multi, seeded.single, seeded.shared]) assert.equal(byRef.get(image.fullRef)?.originalDigest, image.digest, image.fullRef);
    const amd64 = seeded.multi.platforms.find((p) => p.platform.architecture === 'amd64')!.manifest.digest;
    assert.equal(byRef.get(seeded.multi.fullRef)?.digest, amd64, 'multi carried as its linux/amd64 manifest');
    assert.equal(byRef.get(seeded.single.fullRef)?.digest, seeded.single.digest);
  });

  test('write to media: two folders, a plan that splits across them, write and read back; each passes sha256sum -c', async () => {
    const { page } = app;
    const a = join(work, 'stick-a');
    const b = join(work, 'stick-b');
    execFileSync('mkdir', ['-p', a, b]);
    await page.getByLabel('Folders', { exact: true }).fill(`${a}\n${b}`);
    await page.getByLabel('Use at most per drive').fill('1.5MiB');
    await page.getByRole('button', { name: 'Plan' }).click();
    const plan = page.getByRole('list', { name: 'Volume plan' });
    await plan.waitFor();
    assert.equal(await plan.getByRole('listitem').count(), 2, await plan.innerText());
    await page.screenshot({ path: app.shot('prepare-07-media-plan.png'), fullPage: true });
    await page.getByRole('button', { name: 'Write and read back' }).click();
    await page.getByRole('heading', { name: /Written and read back: 2 volumes intact/ }).waitFor({ timeout: 60_000 });
    const phases = app.jobMessages.flatMap((m) => ('event' in m && m.event.kind === 'phase-start' ? [m.event.phase] : []));
    assert.ok(phases.includes('write-media') && phases.includes('read-back'), phases.join(','));
    for (const volume of [a, b]) {
      const out = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: volume, encoding: 'utf8' });
      assert.match(out, /bundle\.json: OK/);
      assert.match(out, /bundle\.tar\.\d{3}: OK/);
    }
    await page.screenshot({ path: app.shot('prepare-08-media-written.png'), fullPage: true });
  });

  test('a mixed list with linux/amd64 and linux/arm64 chosen builds: each image carries whichever of them it has', async () => {
    const { page } = app;
    const dir = join(work, 'mixed');
    await page.getByLabel(/Image references/).fill(`${seeded.multi.fullRef}\n${seeded.single.fullRef}\n`);
    await waitForText(seeded.multi.fullRef, /sha256:/);
    await waitForText(seeded.single.fullRef, /sha256:/);
    await page.getByRole('checkbox', { name: /linux\/arm64\)/ }).first().check();
    await row(seeded.single.fullRef).filter({ hasText: /carried without linux\/arm64/ }).waitFor();
    await page.getByLabel('Output folder', { exact: true }).fill(dir);
    await page.getByRole('radio', { name: /No split/ }).check();
    const before = app.jobMessages.length;
    await page.getByRole('button', { name: 'Build bundle (2 images)' }).click();
    await page.getByRole('heading', { name: '5. Result' }).waitFor({ timeout: 60_000 });
    const final = app.jobMessages.slice(before).filter((m) => 'result' in m).at(-1)!;
    const summary = (final as { result: CreateBundleSummary }).result;
    const byRef = new Map(summary.manifest.images.map((i) => [i.reference, i]));
    assert.equal(byRef.get(seeded.multi.fullRef)?.manifests.length, 2, 'multi carries amd64 and arm64');
    assert.deepEqual(byRef.get(seeded.multi.fullRef)?.missingPlatforms ?? [], []);
    assert.equal(byRef.get(seeded.single.fullRef)?.digest, seeded.single.digest, 'single carried as it is: linux/amd64 only');
    assert.deepEqual(byRef.get(seeded.single.fullRef)?.missingPlatforms, ['linux/arm64']);
    assert.ok((await verifyBundle({ dirs: [dir] })).ok);
    await app.shotAtBothSizes('prepare-mixed-built');
    await page.getByRole('checkbox', { name: /linux\/arm64\)/ }).first().uncheck();
  });

  test('Cancel right after the start leaves nothing complete-looking and says a rerun resumes', async () => {
    const { page } = app;
    const dir = join(work, 'cancelled');
    const big = `${proxy.host}/test/big:1`;
    await page.getByLabel(/Image references/).fill(big);
    await waitForText(big, /sha256:/);
    await page.getByLabel('Output folder', { exact: true }).fill(dir);
    await page.getByRole('button', { name: /^Build bundle/ }).click();
    await proxy.cut; // the registry now hangs mid-blob: the build is surely running
    await page.getByRole('progressbar', { name: 'Build progress' }).waitFor();
    await page.getByRole('list', { name: 'Images, charts and files in this build' }).getByText(big).waitFor();
    await page.screenshot({ path: app.shot('prepare-09-building.png'), fullPage: true });
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByText('Build cancelled.').waitFor({ timeout: 20_000 });
    // no row is left fetching once the build is gone
    const items = await page.getByRole('list', { name: 'Images, charts and files in this build' }).innerText();
    assert.doesNotMatch(items, /fetching|resolving/, items);
    assert.match(items, /stopped/);
    assert.match(await page.locator('.cancelled').innerText(), /resume/);
    const left = existsSync(dir) ? readdirSync(dir) : [];
    assert.ok(!left.includes('bundle.json') && !left.includes('SHA256SUMS'), left.join(','));
    assert.ok(left.every((name) => !/^bundle\.tar/.test(name)), `no finished archive: ${left.join(',')}`);
    await page.screenshot({ path: app.shot('prepare-10-cancelled.png'), fullPage: true });
    // dark theme and no CSP violation over the whole run
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: app.shot('prepare-11-dark.png'), fullPage: true });
    assert.deepEqual(app.cspViolations, []);
    await page.emulateMedia({ colorScheme: 'light' });
  });

  const medium = () => `${registry.host}/test/medium:1`;
  test('dropping a list file onto the image list adds its references (read by the browser, comments skipped)', async () => {
    const { page } = app;
    await page.getByLabel(/Image references/).fill('');
    const zone = page.getByRole('group', { name: /drop a list file here/ });
    await zone.waitFor();
    // runs in the page (this file's types have no DOM lib)
    const dataTransfer = await page.evaluateHandle((text) => {
      const web = globalThis as unknown as { DataTransfer: new () => { items: { add(file: unknown): void } }; File: new (parts: string[], name: string, options: { type: string }) => unknown };
      const dt = new web.DataTransfer();
      dt.items.add(new web.File([text], 'airgap-images.txt', { type: 'text/plain' }));
      return dt;
    }, `# dropped list\n${medium()}  # the medium one\n\n${seeded.single.fullRef}\n`);
    await zone.dispatchEvent('drop', { dataTransfer });
    await page.getByText('Added 2 images from airgap-images.txt.').waitFor();
    assert.equal((await page.getByLabel(/Image references/).inputValue()).trim(), `${medium()}\n${seeded.single.fullRef}`);
    await waitForText(medium(), /sha256:/);
    await waitForText(seeded.single.fullRef, /sha256:/);
    // the same file again: nothing twice, and said so
    await zone.dispatchEvent('drop', { dataTransfer });
    await page.getByText('Added 0 images from airgap-images.txt (2 already in the list).').waitFor();
    assert.equal((await page.getByLabel(/Image references/).inputValue()).trim(), `${medium()}\n${seeded.single.fullRef}`);
  });

  test('a row that needs a login offers Log in…: the dialog saves it in the host, the row resolves, the password leaves the page', async () => {
    const { page } = app;
    const ref = `${secured.host}/team/secret:1`;
    await page.getByLabel(/Image references/).fill(ref);
    const login = page.getByRole('button', { name: `Log in to ${secured.host} for ${ref}` });
    await login.waitFor({ timeout: 20_000 });
    await login.click();
    const dialog = page.getByRole('dialog', { name: 'Log in to a registry' });
    await dialog.waitFor();
    assert.equal(await dialog.getByLabel('Registry host').inputValue(), secured.host);
    await dialog.getByLabel('User name').fill(secured.username!);
    await dialog.getByLabel('Password').fill(secured.password!);
    await dialog.getByLabel(/CA file/).fill(secured.caFile!);
    await page.screenshot({ path: app.shot('prepare-12-login.png') });
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden' });
    const text = await waitForText(ref, /sha256:/);
    assert.ok(text.includes(securedDigest.slice(0, 19)), text);
    assert.equal(await login.count(), 0);
    assert.equal(await page.locator('#login-password').inputValue(), '', 'the closed dialog forgot the password');
    assert.ok(!(await page.content()).includes(secured.password!), 'the password is not in the DOM');
    const stored = await page.evaluate(() => JSON.stringify((globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('ferry.prepare')));
    assert.ok(!stored.includes(secured.password!), 'nor in localStorage');
  });

  test('after a reload the list and options are back; Build resumes from the cache with parts that fit a typed 2 MiB medium', async () => {
    const { page } = app;
    await page.getByLabel(/Image references/).fill(`${medium()}\n`);
    const dir = join(work, 'resumed');
    await page.getByLabel('Output folder', { exact: true }).fill(dir);
    await page.getByRole('radio', { name: /Fit the chosen media/ }).check();
    await page.getByLabel('Media size', { exact: true }).fill('2MiB');
    await page.getByLabel('Signing key', { exact: true }).fill('');
    await page.reload();
    await page.getByRole('tab', { name: /Prepare/ }).click();
    assert.equal((await page.getByLabel(/Image references/).inputValue()).trim(), medium());
    assert.equal(await page.getByLabel('Output folder', { exact: true }).inputValue(), dir);
    assert.equal(await page.getByLabel('Media size', { exact: true }).inputValue(), '2MiB');
    assert.ok(await page.getByRole('radio', { name: /Fit the chosen media/ }).isChecked());
    assert.equal(await page.getByLabel('Insecure registries').inputValue(), `${registry.host} ${proxy.host}`);
    assert.ok(await page.getByRole('checkbox', { name: /linux\/amd64\)/ }).first().isChecked(), 'default platform restored');
    assert.match(await page.locator('.resumed').innerText(), /only the missing ones are fetched/);
    await waitForText(medium(), /sha256:/);
    await page.screenshot({ path: app.shot('prepare-13-restored.png'), fullPage: true });
    const before = app.jobMessages.length;
    await page.getByRole('button', { name: /^Build bundle \(1 image\)/ }).click();
    await page.getByRole('heading', { name: '5. Result' }).waitFor({ timeout: 60_000 });
    const final = app.jobMessages.slice(before).filter((m) => 'result' in m).at(-1)!;
    const summary = (final as { result: CreateBundleSummary }).result;
    assert.equal(summary.dir, dir);
    const parts = summary.manifest.archive.parts;
    assert.ok(parts.length >= 2, `split: ${parts.map((p) => p.size).join(',')}`);
    assert.ok(parts.every((p) => p.size <= 2 * MiB), parts.map((p) => p.size).join(','));
    assert.ok(summary.stats.bytesFromCache >= 2 * MiB, `the medium layers came from the cache: ${summary.stats.bytesFromCache}`);
    assert.ok((await verifyBundle({ dirs: [dir] })).ok);
    assert.deepEqual(app.cspViolations, []);
  });
});
