// The app speaks its own language: a real TLS failure (a registry whose certificate a private CA signed) shows in
// Prepare's row with advice naming Settings' CA file field, never a command-line flag; "Show me" opens Settings with
// the registry typed in and the CA file field focused; following the advice resolves the image. Real docker-registry
// with TLS, the web host and Debian Chromium.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildSingleImage, makeLayer, makeTempDir, makeTestBundle, pushImage, removeDir, startRegistry, type RegistryHandle, type TestBundle } from '../harness/index.js';
import { startAppUnderTest, type AppUnderTest } from '../harness/app-harness.js';

/** A command-line flag or command as the CLI's advice names them (`--ca-file`, `ferry bundle --sign-key`). */
const CLI_LANGUAGE = /(^|[\s(“"'])--[a-z]|\bferry (bundle|import|verify|repair|sign|approve|inventory|keygen|split)\b/;

let work: string;
let registry: RegistryHandle;
let app: AppUnderTest;
let bundle: TestBundle;
/** Uncaught errors in the page (none expected). */
const pageErrors: string[] = [];
const savedCache = process.env.XDG_CACHE_HOME;

before(async () => {
  work = await makeTempDir('ferry-app-error-hints');
  process.env.XDG_CACHE_HOME = join(work, 'cache');
  registry = await startRegistry({ tls: true });
  assert.ok(registry.caFile && registry.scheme === 'https');
  bundle = await makeTestBundle({ images: ['test/single:1.0'] });
  await pushImage(registry, 'team/app', '1', buildSingleImage('oci', { os: 'linux', architecture: 'amd64' }, [await makeLayer({ 'app.txt': 'behind a private CA\n' })]));
  app = await startAppUnderTest();
  app.page.on('pageerror', (error) => pageErrors.push(error.message));
  await app.page.goto(app.host.openUrl);
  await app.page.getByRole('heading', { name: 'Ferry' }).waitFor({ timeout: 30_000 }).catch((error: unknown) => {
    throw new Error(`the app did not start: ${pageErrors.join('; ') || String(error)}`);
  });
});

after(async () => {
  await app?.close();
  await registry?.stop();
  bundle?.cleanup();
  if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedCache;
  if (work) await removeDir(work);
});

describe('error hints in the app', () => {
  test('a TLS failure in Import names Import’s own CA file field, not Settings; Show me focuses it; the import then succeeds', async () => {
    const { page } = app;
    await page.getByRole('tab', { name: /Import/ }).click();
    await page.getByRole('radio', { name: 'A folder' }).check();
    await page.getByLabel('Bundle folder').fill(bundle.dir);
    await page.getByRole('button', { name: 'Open bundle' }).click();
    await page.getByRole('heading', { name: /^Bundle / }).waitFor();
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByRole('heading', { name: 'Verdict: intact' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Registry', { exact: true }).fill(`${registry.host}/mirror`);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const alert = page.getByRole('alert').filter({ hasText: /TLS connection to .* failed/ });
    await alert.waitFor({ timeout: 60_000 });
    const said = await alert.innerText();
    assert.match(said, /give its CA file in CA file under Target; if you trust it as it is, tick “Insecure”\./);
    assert.doesNotMatch(said, CLI_LANGUAGE, said);
    await app.shotAtBothSizes('error-hints-import-tls');

    await alert.getByRole('button', { name: 'Show me' }).click();
    await page.waitForFunction('document.activeElement?.id === "import-ca"');
    assert.equal(await page.getByRole('dialog', { name: 'Settings' }).isVisible(), false, 'Import’s own field, not Settings');
    await page.keyboard.type(registry.caFile!);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('heading', { name: `Imported into ${registry.host}/mirror` }).waitFor({ timeout: 60_000 });
    assert.deepEqual(pageErrors, []);
  });

  test('a TLS failure in Prepare names Settings’ CA file, not --ca-file; Show me focuses it; the advice works', async () => {
    const { page } = app;
    const reference = `${registry.host}/team/app:1`;
    await page.getByRole('tab', { name: /Prepare/ }).click();
    await page.getByLabel(/Image references/).fill(reference);
    const row = page.locator('li.image-row').filter({ hasText: reference });
    await row.filter({ hasText: /TLS connection to .* failed/ }).waitFor({ timeout: 30_000 });

    const text = await row.innerText();
    assert.match(text, /its certificate is not trusted by this machine/);
    assert.match(text, /add the registry with its CA file in Settings → Registries/);
    assert.match(text, /add its host to Insecure registries\. Then press Retry\./);
    assert.doesNotMatch(text, CLI_LANGUAGE, text);
    const page1 = await page.evaluate<string>('document.body.innerText');
    assert.doesNotMatch(page1, CLI_LANGUAGE, 'no command-line flag anywhere on the page');
    await app.shotAtBothSizes('error-hints-prepare-row');

    // Show me: Settings opens with the registry typed in and its CA file field focused
    await row.getByRole('button', { name: `Show me how to fix ${reference}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.waitFor();
    await page.waitForFunction('document.activeElement?.id === "reg-ca"');
    assert.equal(await dialog.getByLabel('Registry host').inputValue(), registry.host);
    await page.screenshot({ path: app.shot('error-hints-settings-focused.png') });

    // following the advice resolves the image: the CA file saved for that registry, then Retry
    await page.keyboard.type(registry.caFile!);
    await dialog.getByRole('button', { name: 'Save registry' }).click();
    await dialog.getByText(`Saved ${registry.host}.`).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Retry' }).click();
    await row.locator('code.digest').waitFor({ timeout: 30_000 });
    assert.doesNotMatch(await row.innerText(), /TLS/);
    assert.deepEqual(pageErrors, []);
  });
});
