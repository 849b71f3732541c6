// The app's Import wizard end to end: a real bundle, real target registries (plain HTTP, and Basic auth over TLS
// with a CA file), a k3s images folder and a served bundle — driven in Debian Chromium, each screen looked at 800×600 and 1280×800.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  flipByte,
  freePort,
  makeCosignKey,
  makeTempDir,
  makeTestBundle,
  makeTestChart,
  removeDir,
  sha256Digest,
  skopeo,
  skopeoFlags,
  startContainerd,
  startHelmRepo,
  startRegistry,
  type ContainerdHandle,
  type RegistryHandle,
  type TestBundle,
  type TestChart,
} from '../harness/index.js';
import { startAppUnderTest, type AppUnderTest } from '../harness/app-harness.js';
import { runFerry } from '../harness/ferry-cli.js';
import { approveBundle, generateSigningKey, writeToMedia, type GeneratedSigningKey } from '../../electron/engine/index.js';

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

/** The wizard's controls without an accessible name (label, aria-label, aria-labelledby or a button's text). */
function unnamedControls(): Promise<string[]> {
  return page.evaluate<string[]>(`[...document.querySelectorAll('#panel-import input, #panel-import textarea, #panel-import button, #panel-import select')]
      .filter((el) => !((el.labels?.length ?? 0) > 0 || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || (el.tagName === 'BUTTON' && el.textContent.trim())))
      .map((el) => el.outerHTML.slice(0, 120))`);
}

/** `HOST/REPO:TAG@DIGEST` → `HOST/REPO:TAG`. */
const withoutDigest = (ref: string): string => ref.replace(/@sha256:[0-9a-f]{64}$/, '');

describe('the Import wizard', () => {
  test('opens a bundle folder and shows what it carries; removable media are listed or their absence explained', async () => {
    await page.goto(app.host.openUrl);
    await page.getByRole('tab', { name: /Import/ }).click();
    await page.getByText(/Open a bundle folder \(or the removable media/).waitFor();
    await app.shotAtBothSizes('import-01-empty');
    // removable media: the host lists volumes (none on this machine is fine: the empty state says what to do)
    await page.getByRole('radio', { name: 'Removable media' }).check();
    await page.getByRole('button', { name: 'Look for media again' }).waitFor();
    const listed = await page.getByRole('group', { name: /Volumes holding the bundle/ }).count();
    if (listed === 0) await page.getByText(/No removable media found/).waitFor();
    await page.getByRole('button', { name: 'Open bundle' }).click();
    await page.getByRole('alert').filter({ hasText: /Choose the volume/ }).waitFor();
    await app.shotAtBothSizes('import-02-media');

    await openBundle(bundle.dir);
    const table = page.getByRole('table', { name: /Carried/ });
    const text = await table.innerText();
    for (const image of bundle.manifest.images) assert.ok(text.includes(image.reference) && text.includes(image.digest), image.reference);
    assert.equal(await table.getByRole('row').count(), bundle.manifest.images.length + 1);
    // nothing goes further before a verification
    assert.equal(await importButton().isDisabled(), true);
    assert.match(await page.locator('#import-blocked').innerText(), /Verify the bundle first/);
    await app.shotAtBothSizes('import-03-opened');
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
    await app.shotAtBothSizes('import-04-verified');
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
    await app.shotAtBothSizes('import-05-preview');
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
    await app.shotAtBothSizes('import-06-report');
  });

  test('import with a login and a CA file into a Basic-auth TLS registry; the password is nowhere in the page or the API answers', async () => {
    const password = secured.password!;
    await page.getByLabel('Registry', { exact: true }).fill(`${secured.host}/site`);
    await page.getByRole('checkbox', { name: /Insecure/ }).uncheck();
    await page.getByLabel('User name').fill(secured.username!);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByLabel('CA file').fill(secured.caFile!);
    await app.shotAtBothSizes('import-07-credentials');
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
    await app.shotAtBothSizes('import-08-credentials-report');
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
    await app.shotAtBothSizes('import-09-damaged');
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
    await app.shotAtBothSizes('import-10-folder');
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
    await app.shotAtBothSizes('import-11-serving');
    await page.getByRole('button', { name: 'Stop serving' }).click();
    await page.getByText(`Stopped serving ${url}.`).waitFor();
    const after = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], { timeoutMs: 20_000 });
    assert.notEqual(after.code, 0, 'closed after Stop');
    assert.deepEqual(app.api.runningJobs(), []);
    await app.shotAtBothSizes('import-12-stopped');
    assert.deepEqual(app.cspViolations, []);
  });

  test('keyboard and names: every control of the wizard has an accessible name; the opened bundle takes the focus', async () => {
    await page.getByRole('radio', { name: 'A registry', exact: true }).check();
    assert.deepEqual(await unnamedControls(), []);
    // keyboard only: type the folder, Enter opens, the focus moves to the bundle's heading
    await page.getByLabel('Bundle folder').focus();
    await page.keyboard.press('Enter');
    await page.locator('#import-bundle-title:focus').waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate<string | undefined>('document.activeElement?.textContent'), 'Trust checks (optional)');
    await page.emulateMedia({ colorScheme: 'dark' });
    await app.shotAtBothSizes('import-13-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });
});

describe('the Import wizard into a running containerd, with charts, files and cosign keys', () => {
  let carrying: TestBundle;
  let containerd: ContainerdHandle;
  let chart: TestChart;
  let keysDir: string;
  const notes = Buffer.from('offline notes for the operator\n');
  const hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  /** `ctr images ls -q` in the namespace Kubernetes reads. */
  const listed = async (): Promise<string[]> => {
    const r = await containerd.ctr(['--namespace', 'k8s.io', 'images', 'ls', '-q']);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter((l) => l.trim() !== '');
  };
  const loadButton = () => page.getByRole('button', { name: 'Load into containerd', exact: true });

  before(async () => {
    keysDir = await makeTempDir('ferry-app-cosign');
    const notesFile = join(keysDir, 'notes.txt');
    writeFileSync(notesFile, notes);
    chart = await makeTestChart('webapp', '0.1.0');
    const repo = await startHelmRepo([chart]);
    try {
      [carrying, containerd] = await Promise.all([
        makeTestBundle({ split: '1MiB', images: ['test/single:1.0', 'test/multi:1'], charts: [`${repo.url}/webapp@0.1.0`], files: [notesFile] }),
        startContainerd(),
      ]);
    } finally {
      await repo.stop();
    }
  });
  after(async () => {
    await containerd?.stop();
    await carrying?.cleanup();
    if (keysDir) await removeDir(keysDir);
  });

  test('a cosign key that signed nothing: the verdict and the blocked Import name the unsigned image; the engine refuses too and containerd stays empty', async () => {
    assert.equal(carrying.manifest.charts?.length, 1);
    assert.equal(carrying.manifest.files?.length, 1);
    const key = makeCosignKey('ecdsa-p256', keysDir, 'stranger');
    await openBundle(carrying.dir);
    const summary = page.getByText('Trust checks (optional)', { exact: true });
    if ((await page.locator('details.checks-form[open]').count()) === 0) await summary.click();
    await page.getByRole('button', { name: 'Add cosign key' }).click();
    await page.getByLabel('Cosign public key 1').fill(key.publicKeyFile);
    // keyboard: a second row is added with Enter on the focused button and removed the same way
    await page.getByRole('button', { name: 'Add cosign key' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Remove cosign key 2' }).focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.getByLabel('Cosign public key 2').count(), 0);
    await verify();
    await page.getByRole('heading', { name: 'Verdict: not trusted' }).waitFor();
    const problems = await page.getByRole('list', { name: 'Trust problems' }).innerText();
    for (const image of carrying.manifest.images) assert.ok(problems.includes(image.reference), `${image.reference} in ${problems}`);
    await page.getByRole('radio', { name: 'containerd (k3s/k0s running node)' }).check();
    await page.getByLabel('containerd socket').fill(containerd.address);
    assert.equal(await loadButton().isDisabled(), true);
    const blocked = await page.locator('#import-blocked').innerText();
    assert.match(blocked, /Not signed by the given cosign keys/);
    assert.ok(blocked.includes(carrying.manifest.images[0]!.reference), blocked);
    await app.shotAtBothSizes('import-14-cosign-refused');
    // the engine checks on its own: a call that skips the wizard's gate imports nothing either
    const started = await app.api.invoke('bundle.import', { dirs: [carrying.dir], toContainerd: containerd.address, cosignKeys: [key.publicKeyFile] });
    assert.ok(started.ok, JSON.stringify(started));
    const jobId = (started.result as { jobId: string }).jobId;
    const deadline = Date.now() + 60_000;
    let ended = app.jobMessages.find((m) => m.jobId === jobId && ('error' in m || 'result' in m));
    while (!ended && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      ended = app.jobMessages.find((m) => m.jobId === jobId && ('error' in m || 'result' in m));
    }
    assert.ok(ended && 'error' in ended && ended.error, JSON.stringify(ended));
    assert.equal(ended.error.code, 'untrusted');
    assert.match(ended.error.message, /nothing was imported/);
    assert.ok(ended.error.message.includes(carrying.manifest.images[0]!.reference), ended.error.message);
    assert.deepEqual(await listed(), []);
  });

  test('a socket that is not there: the error asks whether containerd runs and names the usual sockets', async () => {
    await page.getByRole('button', { name: 'Remove cosign key 1' }).click();
    await verify();
    await page.getByRole('heading', { name: 'Verdict: intact' }).waitFor();
    await page.getByLabel('Kind of node', { exact: true }).selectOption('k0s');
    assert.equal(await page.getByLabel('containerd socket').inputValue(), '/run/k0s/containerd.sock');
    await page.getByLabel('containerd socket').fill(join(keysDir, 'no-such.sock'));
    assert.equal(await page.getByLabel('Kind of node', { exact: true }).inputValue(), 'custom');
    await loadButton().click();
    const alert = page.getByRole('alert').filter({ hasText: /is containerd running\?/ });
    await alert.waitFor({ timeout: 30_000 });
    assert.match(await alert.innerText(), /k3s uses \/run\/k3s\/containerd\/containerd\.sock/);
    assert.deepEqual(await listed(), []);
  });

  test('load into containerd with charts and files written: ctr lists every image with its digest, the .tgz and the file have the right sha256', async () => {
    const chartsTo = join(carrying.work, 'charts-out');
    const filesTo = join(carrying.work, 'files-out');
    await page.getByLabel('containerd socket').fill(containerd.address);
    await page.getByLabel('Write charts to folder').fill(chartsTo);
    await page.getByLabel('Write files to folder').fill(filesTo);
    assert.deepEqual(await unnamedControls(), []);
    await app.shotAtBothSizes('import-15-containerd-target');
    await loadButton().click();
    await page.getByRole('heading', { name: 'Loaded into containerd' }).waitFor({ timeout: 120_000 });
    const table = await page.getByRole('table', { name: 'Images containerd lists' }).innerText();
    const names = await listed();
    const full = await containerd.ctr(['--namespace', 'k8s.io', 'images', 'ls']);
    for (const image of carrying.manifest.images) {
      assert.ok(names.includes(image.reference), `${image.reference} in ${names.join(' ')}`);
      assert.ok(full.stdout.split('\n').some((l) => l.startsWith(`${image.reference} `) && l.includes(image.digest)), full.stdout);
      assert.ok(table.includes(image.reference) && table.includes(image.digest), table);
    }
    const tgz = join(chartsTo, 'webapp-0.1.0.tgz');
    assert.equal(`sha256:${hex(readFileSync(tgz))}`, chart.digest);
    const written = join(filesTo, 'notes.txt');
    assert.equal(hex(readFileSync(written)), hex(notes));
    assert.equal(carrying.manifest.files![0]!.sha256, hex(notes));
    const charts = await page.getByRole('region', { name: 'Charts written' }).innerText();
    assert.ok(charts.includes(tgz) && charts.includes(chart.digest.slice('sha256:'.length)), charts);
    const files = await page.getByRole('region', { name: 'Files written' }).innerText();
    assert.ok(files.includes(written) && files.includes(hex(notes)), files);
    await app.shotAtBothSizes('import-16-containerd-report');
    assert.deepEqual(app.cspViolations, []);
  });
});

/** Every key path of a JSON value (`images[].blobs.uploaded`), to compare two reports' shapes. */
function keyPaths(value: unknown, at = ''): string[] {
  if (Array.isArray(value)) return [...new Set(value.flatMap((v) => keyPaths(v, `${at}[]`)))].sort();
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [`${at}.${k}`, ...keyPaths(v, `${at}.${k}`)]).sort();
  return [];
}

describe('the Import wizard on a set of two sticks: signers named, Save report, a lost part placed and repaired, no stale boxes', () => {
  let set: TestBundle;
  let alice: GeneratedSigningKey;
  let bob: GeneratedSigningKey;
  let stranger: GeneratedSigningKey;
  let stick1: string;
  let stick2: string;
  let keys: string;
  const folderField = (n: number) => (n === 1 ? page.getByLabel('Bundle folder', { exact: true }) : page.getByLabel(`Volume folder ${n}`, { exact: true }));
  const trustedKeys = () => page.getByLabel('Trusted public keys');

  before(async () => {
    keys = await makeTempDir('ferry-app-set-keys');
    [alice, bob, stranger] = await Promise.all(['alice', 'bob', 'stranger'].map((n) => generateSigningKey(join(keys, n))));
    set = await makeTestBundle({ split: '1MiB', bigLayers: 2, parity: 1, signKey: alice.privateKeyFile });
    await approveBundle([set.dir], bob.privateKeyFile);
    stick1 = join(set.work, 'stick-1');
    stick2 = join(set.work, 'stick-2');
    mkdirSync(stick1);
    mkdirSync(stick2);
    // the engine's own write (as ferry write): the data parts on the first stick, the parity part on the second
    const written = await writeToMedia({ dir: set.dir, targets: [stick1, stick2], capacity: 2 * 1024 * 1024 + 256 * 1024 });
    assert.ok(written.ok);
    assert.deepEqual(written.volumes[1]!.parts, ['bundle.tar.p01']);
    assert.ok(written.volumes[0]!.parts.includes('bundle.tar.002'));
  });
  after(async () => {
    await set?.cleanup();
    if (keys) await removeDir(keys);
  });

  test('both sticks opened as one bundle: the verdict names who prepared and who approved it, by key; the focus moves to it', async () => {
    await page.goto(app.host.openUrl);
    await page.getByRole('tab', { name: /Import/ }).click();
    await page.getByRole('radio', { name: 'A folder' }).check();
    await folderField(1).fill(stick1);
    await page.getByRole('button', { name: 'Add folder' }).click();
    await folderField(2).fill(stick2);
    await page.getByRole('button', { name: 'Open bundle' }).click();
    await page.getByRole('heading', { name: /^Bundle / }).waitFor();
    if ((await page.locator('details.checks-form[open]').count()) === 0) await page.getByText('Trust checks (optional)', { exact: true }).click();
    await trustedKeys().fill(`${alice.publicKeyFile}\n${bob.publicKeyFile}`);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    const verdict = page.getByRole('heading', { name: /^Verdict: intact/ });
    await verdict.waitFor({ timeout: 60_000 });
    assert.equal(await verdict.innerText(), `Verdict: intact · prepared by ${alice.keyId.slice(0, 16)} (trusted) · approved by ${bob.keyId.slice(0, 16)} (trusted)`);
    // every part of both sticks was read
    const parts = await page.getByRole('list', { name: 'Parts verified', exact: true }).innerText();
    for (const part of [...set.manifest.archive.parts, ...(set.manifest.archive.parity?.parts ?? [])]) assert.ok(parts.includes(part.name), `${part.name} in ${parts}`);
    await page.locator('.verdict-title:focus').waitFor();
    await app.shotAtBothSizes('import-set-01-verified');
  });

  test('import, then Copy says "Copied" (and the clipboard holds it), and Save report writes the CLI\'s import-report.json', async () => {
    await page.getByRole('radio', { name: 'A registry', exact: true }).check();
    await page.getByLabel('Registry', { exact: true }).fill(`${plain.host}/set`);
    await page.getByRole('checkbox', { name: /Insecure/ }).check();
    await page.getByRole('checkbox', { name: 'Save inventory for the next transfer' }).uncheck();
    await importButton().click();
    await page.getByRole('heading', { name: `Imported into ${plain.host}/set` }).waitFor({ timeout: 120_000 });
    // the focus went to the result, not the page body
    await page.locator('.run-result:focus').waitFor();
    for (const image of set.manifest.images) assert.equal(await rawDigest(plain, `${plain.host}/set/${image.reference.replace(/^[^/]+\//, '')}`), image.digest);

    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(app.host.openUrl).origin });
    const first = set.manifest.images[0]!;
    const copy = page.getByRole('button', { name: `Copy the target reference of ${first.reference}` });
    await copy.click();
    await page.getByRole('row').filter({ hasText: first.reference }).getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    assert.equal(await copy.innerText(), '✓ Copied');
    const target = await page.getByRole('row').filter({ hasText: first.reference }).locator('code.target-ref').innerText();
    assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), target);
    await app.shotAtBothSizes('import-set-02-copied');

    const reports = join(set.work, 'reports');
    mkdirSync(reports);
    const file = join(reports, 'import-report.json');
    await page.getByLabel('Report file').fill(file);
    await page.getByRole('button', { name: 'Save report' }).click();
    await page.getByRole('status').filter({ hasText: `Saved ${file}` }).waitFor();
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { bundleId: string; target: string; images: { source: string; target: string; digest: string }[] };
    // the same report ferry import writes: same shape, same images and digests
    const cliFile = join(reports, 'cli-report.json');
    const env = { HOME: join(set.work, 'home'), DOCKER_CONFIG: join(set.work, 'home', '.docker'), XDG_RUNTIME_DIR: join(set.work, 'home'), REGISTRY_AUTH_FILE: '' };
    const cli = await runFerry(['import', stick1, stick2, '--to', `${plain.host}/set`, '--insecure-registry', plain.host, '--report', cliFile], { env });
    assert.equal(cli.code, 0, cli.stderr);
    const written = JSON.parse(readFileSync(cliFile, 'utf8')) as typeof saved;
    assert.deepEqual(keyPaths(saved), keyPaths(written));
    assert.equal(saved.bundleId, set.manifest.id);
    assert.equal(saved.target, written.target);
    assert.deepEqual(
      saved.images.map((i) => [i.source, i.target, i.digest]),
      written.images.map((i) => [i.source, i.target, i.digest]),
    );
    await app.shotAtBothSizes('import-set-03-report-saved');
  });

  test('a second verification replaces the last run: "not trusted" shows alone, with no "Imported" box or saved report left under it', async () => {
    await trustedKeys().fill(stranger.publicKeyFile);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByRole('heading', { name: 'Verdict: not trusted' }).waitFor({ timeout: 60_000 });
    await page.locator('.verdict-title:focus').waitFor();
    assert.equal(await page.getByRole('heading', { name: /^Imported into/ }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Save report' }).count(), 0);
    assert.equal(await page.getByRole('table', { name: 'Where each image went' }).count(), 0);
    // the signers are still named, with the stranger's key not trusting them
    assert.match(await page.locator('p.signers').innerText(), new RegExp(`prepared by ${alice.keyId.slice(0, 16)} \\(not a trusted key\\)`));
    await app.shotAtBothSizes('import-set-04-not-trusted');
    await trustedKeys().fill(`${alice.publicKeyFile}\n${bob.publicKeyFile}`);
  });

  test('a part lost from the first stick: alone, the second stick names volume 1 as its holder; both open, the verdict says it was lost there; Repair rebuilds it and verify passes', async () => {
    rmSync(join(stick1, 'bundle.tar.002'));
    // the second stick alone
    await page.getByRole('button', { name: 'Remove bundle folder 1' }).click();
    assert.equal(await folderField(1).inputValue(), stick2);
    await page.getByRole('button', { name: 'Open bundle' }).click();
    await page.getByRole('heading', { name: /^Bundle / }).waitFor();
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByRole('heading', { name: /^Verdict: damaged/ }).waitFor({ timeout: 60_000 });
    const where = page.getByRole('list', { name: 'Where the missing parts are' });
    assert.match(await where.innerText(), /bundle\.tar\.002 is on volume 1 of 2, which is not open: add that volume's folder/);
    assert.match(await page.locator('#import-blocked').innerText(), /open every volume of the set/);
    assert.equal(await page.getByRole('button', { name: 'Repair', exact: true }).count(), 0, 'parity cannot rebuild every part of a missing stick');
    await app.shotAtBothSizes('import-set-05-volume-not-open');

    // both sticks: the part belongs on the first, which is open: lost there
    await folderField(1).fill(stick1);
    await page.getByRole('button', { name: 'Add folder' }).click();
    await folderField(2).fill(stick2);
    await page.getByRole('button', { name: 'Open bundle' }).click();
    await page.getByRole('heading', { name: /^Bundle / }).waitFor();
    assert.equal(await page.getByRole('heading', { name: /^Verdict/ }).count(), 0, 'opening again clears the last verdict');
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByRole('heading', { name: 'Verdict: damaged (1 fault)' }).waitFor({ timeout: 60_000 });
    assert.equal(await where.innerText(), `bundle.tar.002 belongs on volume 1 of 2 (${stick1}), which is open, but is not there: it was deleted or lost from that volume.`);
    // the app never names a command-line tool
    assert.ok(!(await page.locator('#panel-import').innerText()).includes('ferry repair'));
    const into = join(set.work, 'repaired');
    await page.getByLabel('Repair into folder').fill(into);
    await app.shotAtBothSizes('import-set-06-missing-part');
    await page.getByRole('button', { name: 'Repair', exact: true }).click();
    await page.getByRole('heading', { name: 'Repaired: rebuilt bundle.tar.002' }).waitFor({ timeout: 60_000 });
    const verdict = page.getByRole('heading', { name: /^Verdict: intact/ });
    await verdict.waitFor({ timeout: 60_000 });
    assert.match(await verdict.innerText(), new RegExp(`prepared by ${alice.keyId.slice(0, 16)} \\(trusted\\) · approved by ${bob.keyId.slice(0, 16)} \\(trusted\\)`));
    assert.equal(await folderField(1).inputValue(), into);
    assert.equal(readFileSync(join(into, 'bundle.tar.002')).equals(readFileSync(join(set.dir, 'bundle.tar.002'))), true);
    assert.equal(await importButton().isEnabled(), true);
    await app.shotAtBothSizes('import-set-07-repaired');
    assert.deepEqual(await unnamedControls(), []);
    assert.deepEqual(app.cspViolations, []);
  });
});
