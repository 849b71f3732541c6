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
let seeded: SeededTestImages;
let proxy: CuttingProxyHandle;
let app: AppUnderTest;
let work: string;
const savedCache = process.env.XDG_CACHE_HOME;

before(async () => {
  work = await makeTempDir('ferry-prepare-app');
  // the in-process host's builds use the default cache: keep it inside the test's folder
  process.env.XDG_CACHE_HOME = join(work, 'cache');
  registry = await startRegistry();
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
    assert.equal(await page.getByText(/lacks/).count(), 0);
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
    await page.getByRole('list', { name: 'Images in this build' }).getByText(big).waitFor();
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
  });
});
