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

  test('platforms: a default with a warning on images that lack it, and the foreign-layer choice explained', async () => {
    const { page } = app;
    const arm64 = page.getByRole('checkbox', { name: /linux\/arm64\)/ }).first();
    await arm64.focus();
    await page.keyboard.press('Space');
    // single and shared publish linux/amd64 only
    await row(seeded.single.fullRef).filter({ hasText: /lacks linux\/arm64/ }).waitFor();
    await row(seeded.shared.fullRef).filter({ hasText: /lacks linux\/arm64/ }).waitFor();
    assert.doesNotMatch(await row(seeded.multi.fullRef).innerText(), /lacks/);
    await page.screenshot({ path: app.shot('prepare-04-platform-warning.png') });
    // one image gets its own platforms: its warning goes, the others keep theirs
    await page.getByRole('button', { name: `Platforms for ${seeded.single.fullRef}` }).click();
    const own = page.getByRole('group', { name: `Own platforms of ${seeded.single.fullRef}` });
    await own.getByRole('checkbox', { name: /Use the bundle's platforms/ }).uncheck();
    await own.getByRole('checkbox', { name: /linux\/amd64\)/ }).check();
    await own.getByRole('checkbox', { name: /linux\/arm64\)/ }).uncheck();
    await row(seeded.single.fullRef).filter({ hasText: /lacks/ }).waitFor({ state: 'detached' });
    assert.match(await row(seeded.single.fullRef).innerText(), /Platforms: linux\/amd64/);
    assert.match(await row(seeded.shared.fullRef).innerText(), /lacks linux\/arm64/);
    await page.screenshot({ path: app.shot('prepare-04b-own-platforms.png') });
    await own.getByRole('button', { name: 'Done' }).click();
    await arm64.uncheck();
    await page.getByRole('checkbox', { name: /linux\/amd64\)/ }).first().check();
    await page.getByText('lacks linux/arm64').first().waitFor({ state: 'detached' });
    assert.equal(await rows().getByText(/lacks/).count(), 0);
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
