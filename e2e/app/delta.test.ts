// The app's deltas end to end, against real registries, in Debian Chromium: Prepare loads last week's bundle as what the
// offline side holds and builds a delta; Review labels it and says what changed against last week; Import pushes it into
// a registry holding last week's images and saves the inventory for the next transfer, refuses it (pushing nothing) where
// the base is missing, and places it in a k3s/k0s folder with its base bundle. Screenshots at 1280×800 and 800×600.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Locator } from 'playwright-core';
import { createBundle, importBundle, placedArchiveName, readInventory } from '../../electron/engine/index.js';
import type { BundleManifest } from '../../shared/bundle-manifest.js';
import { DELTA_V1, DELTA_V2, makeTempDir, removeDir, seedDeltaImages, startRegistry, type DeltaImages, type RegistryHandle } from '../harness/index.js';
import { startAppUnderTest, type AppUnderTest } from '../harness/app-harness.js';
import { auditPage } from '../harness/axe-audit.js';

let source: RegistryHandle;
/** A registry that already holds last week's images (v1), as the offline side does. */
let holding: RegistryHandle;
/** A registry holding nothing: a delta's base is missing there. */
let empty: RegistryHandle;
let images: DeltaImages;
let app: AppUnderTest;
let work: string;
/** Last week's bundle, already carried across and imported into `holding`. */
let week1: { dir: string; manifest: BundleManifest };
/** Where the app writes this week's delta: a folder on "the stick". */
let deltaDir: string;
const savedCache = process.env.XDG_CACHE_HOME;

before(async () => {
  work = await makeTempDir('ferry-delta-app');
  // the in-process host's builds use the default cache: keep it inside the test's folder
  process.env.XDG_CACHE_HOME = join(work, 'cache');
  [source, holding, empty] = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
  images = await seedDeltaImages(source);
  const made = await createBundle({ images: DELTA_V1.map((r) => `${source.host}/${r}`), outputDir: join(work, 'week-1', 'bundle'), cache: false, registry: { insecureRegistries: [source.host] } });
  week1 = { dir: made.dir, manifest: made.manifest };
  await importBundle({ dirs: [week1.dir], to: holding.host, registry: { insecureRegistries: [holding.host] } });
  deltaDir = join(work, 'stick', 'bundle');
  app = await startAppUnderTest();
});
after(async () => {
  await app?.close();
  await Promise.all([source?.stop(), holding?.stop(), empty?.stop()]);
  if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedCache;
  if (work) await removeDir(work);
});

const page = () => app.page;
const v2 = () => DELTA_V2.map((r) => `${source.host}/${r}`);
const row = (reference: string) => page().locator('li.image-row').filter({ has: page().locator('.ref', { hasText: new RegExp(`^${reference.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });

/** Screenshots of a new state at 1280×800 and 800×600 (the element in view), then back to the harness's 1024×700; fails if the page scrolls sideways. */
async function shoot(name: string, focus: Locator): Promise<void> {
  for (const [width, height] of [
    [1280, 800],
    [800, 600],
  ] as const) {
    await page().setViewportSize({ width, height });
    await focus.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    const sideways = await page().evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    assert.ok(Number(sideways) <= 0, `${name} at ${width}×${height}: the page scrolls sideways by ${String(sideways)} px`);
    await page().screenshot({ path: app.shot(`delta-${name}-${width}x${height}.png`) });
  }
  await page().setViewportSize({ width: 1024, height: 700 });
}

/** "new 1.2 kB of 5.3 kB" of a row, in bytes as displayed. */
async function rowBytes(reference: string): Promise<{ text: string; fresh: string; total: string }> {
  const text = await row(reference).locator('.delta-bytes').innerText();
  const m = /new (.+) of (.+)$/.exec(text.replace(/^\s*·\s*/, '').trim());
  assert.ok(m, `${reference}: ${text}`);
  return { text, fresh: m[1]!, total: m[2]! };
}

describe('deltas in the app', () => {
  test('Prepare: last week\'s bundle as what the offline side holds; each row shows its new bytes; the build is a delta', async () => {
    const p = page();
    await p.goto(app.host.openUrl);
    await p.getByRole('tab', { name: /Prepare/ }).click();
    await p.getByLabel('Insecure registries').fill(source.host);
    await p.getByLabel(/Image references/).fill(v2().join('\n'));
    // a path that is neither an inventory nor a bundle is refused inline, by the engine's reader
    await p.getByLabel('Inventory or old bundle folder').fill(join(work, 'nowhere'));
    await p.getByRole('button', { name: 'Add inventory or bundle' }).click();
    await p.getByRole('alert').filter({ hasText: /does not exist/ }).waitFor();
    await p.getByLabel('Inventory or old bundle folder').fill(week1.dir);
    await p.getByRole('button', { name: 'Add inventory or bundle' }).click();
    const chips = p.getByRole('list', { name: 'Held offline' });
    await chips.getByText(`bundle ${week1.manifest.id}`).waitFor();
    assert.equal(await p.getByRole('button', { name: `Remove ${week1.dir}` }).count(), 1);
    // every row resolves, then shows what the offline side lacks of it
    for (const reference of v2()) await row(reference).locator('.delta-bytes').waitFor({ timeout: 30_000 });
    const other = await rowBytes(`${source.host}/test/other:2.2`);
    assert.equal(other.fresh, other.total, `other:2.2 shares nothing with last week: ${other.text}`);
    for (const reference of [`${source.host}/test/app:2.0`, `${source.host}/test/tool:2.1`]) {
      const r = await rowBytes(reference);
      assert.notEqual(r.fresh, r.total, `${reference} shares layers with last week: ${r.text}`);
    }
    await p.locator('.delta-summary').filter({ hasText: /held offline/ }).waitFor();
    await auditPage(p, 'Prepare, holdings loaded and rows planned');
    await shoot('prepare-rows', p.locator('.list-summary'));
    await shoot('prepare-holdings', p.getByRole('heading', { name: 'Only carry what the offline side lacks' }));

    await p.getByRole('textbox', { name: 'Output folder' }).fill(deltaDir);
    await p.getByRole('button', { name: /^Build bundle/ }).click();
    const done = p.getByRole('status').filter({ hasText: /Delta bundle/ });
    await done.waitFor({ timeout: 60_000 });
    assert.match(await done.innerText(), /carries \S+ \S+ of \S+ \S+; \S+ \S+ held offline/);
    await p.getByText(/saved by the delta/).waitFor();
    const manifest = JSON.parse(readFileSync(join(deltaDir, 'bundle.json'), 'utf8')) as BundleManifest;
    assert.deepEqual(manifest.delta?.omitted.map((o) => o.digest).sort(), images.shared, 'exactly the blobs last week already carried are left out');
    assert.deepEqual(manifest.delta?.against.map((a) => a.bundleId), [week1.manifest.id]);
    assert.deepEqual(manifest.images.map((i) => i.reference).sort(), [...v2()].sort());
    await shoot('prepare-built', p.getByRole('heading', { name: '5. Result' }));
  });

  test('Review: the delta is labelled, with what it relies on and was made against; What changed against last week', async () => {
    const p = page();
    await p.getByRole('tab', { name: /Review/ }).click();
    await p.getByLabel('Bundle folder').fill(deltaDir);
    await p.getByRole('button', { name: 'Open', exact: true }).click();
    const label = p.getByRole('note').filter({ hasText: /^Delta: relies on/ });
    await label.waitFor();
    const text = await label.innerText();
    assert.match(text, new RegExp(`Delta: relies on ${images.shared.length} blobs \\(\\S+ \\S+\\) held offline; not loadable alone\\.`));
    assert.ok(text.includes(`bundle ${week1.manifest.id}`), `made against last week's bundle: ${text}`);
    // the warning's advice in the app's words, never a command-line flag
    const warnings = await p.getByRole('list', { name: 'Warnings' }).first().innerText();
    assert.match(warnings, /Import it in Import on top of its base/);
    assert.doesNotMatch(warnings, /--[a-z]|ferry [a-z]/);

    await p.getByLabel('Older bundle or inventory').fill(week1.dir);
    await p.getByRole('button', { name: 'Compare' }).click();
    const table = p.getByRole('table', { name: /What changed/ });
    await table.waitFor();
    const changeOf = async (name: string): Promise<string> => (await table.getByRole('row').filter({ has: p.getByRole('rowheader', { name: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) }) }).innerText()).replace(/\s+/g, ' ');
    for (const name of v2()) assert.match(await changeOf(name), /^added /, name);
    for (const name of DELTA_V1.map((r) => `${source.host}/${r}`)) assert.match(await changeOf(name), /^removed /, name);
    const otherRow = await changeOf(`${source.host}/test/other:2.2`);
    assert.ok(otherRow.includes(images.other2.manifest.digest), `the new digest: ${otherRow}`);
    assert.match(otherRow, /linux\/amd64/);
    const newBytes = /(\S+ \S+) of (\S+ \S+)$/.exec(otherRow.trim());
    assert.ok(newBytes && newBytes[1] === newBytes[2], `other:2.2 is new in full: ${otherRow}`);
    assert.match(await p.locator('.diff-summary').innerText(), /3 added, 0 changed, 2 removed, 0 unchanged/);
    await auditPage(p, 'Review, a delta with What changed');
    await shoot('review-delta', label);
    await shoot('review-what-changed', table);
  });

  test('Import: into a registry holding last week the delta goes in and the inventory is saved beside the bundle; where the base is missing nothing is pushed', async () => {
    const p = page();
    await p.getByRole('tab', { name: /Import/ }).click();
    await p.getByRole('radio', { name: 'A folder' }).check();
    await p.getByLabel('Bundle folder').fill(deltaDir);
    await p.getByRole('button', { name: 'Open bundle' }).click();
    await p.getByRole('heading', { name: /^Bundle / }).waitFor();
    await p.getByRole('button', { name: 'Verify', exact: true }).click();
    await p.getByRole('heading', { name: 'Verdict: intact' }).waitFor({ timeout: 60_000 });

    // into a registry with no base: the engine's refusal, before anything is pushed, names every missing blob and what to do
    await p.getByLabel('Registry', { exact: true }).fill(empty.host);
    await p.getByRole('checkbox', { name: /^Insecure/ }).check();
    await p.getByRole('note').filter({ hasText: /This bundle is a delta/ }).waitFor();
    const inventory = p.getByLabel('Inventory file');
    assert.equal(await p.getByRole('checkbox', { name: 'Save inventory for the next transfer' }).isChecked(), true, 'saved by default');
    const inventoryFile = join(work, 'stick', 'inventory.json');
    assert.equal(await inventory.inputValue(), inventoryFile, 'beside the bundle folder, on the same stick');
    await p.getByRole('button', { name: 'Import', exact: true }).click();
    const refusal = p.getByRole('alert').filter({ hasText: /this delta relies on/ });
    await refusal.waitFor({ timeout: 60_000 });
    const said = await refusal.innerText();
    assert.match(said, new RegExp(`lacks ${images.shared.length} blobs .*nothing was pushed`));
    for (const digest of images.shared) assert.ok(said.includes(digest), `${digest} named in: ${said}`);
    assert.ok(said.includes(`import the earlier bundle (id ${week1.manifest.id})`), said);
    assert.match(said, /make the delta again against a fresh inventory of .*An import saves what the registry holds/s);
    assert.doesNotMatch(said, /--[a-z]|ferry (inventory|bundle)/, 'the app names no command-line flag');
    const catalog = (await (await fetch(`${empty.url}/v2/_catalog`)).json()) as { repositories: string[] };
    assert.deepEqual(catalog.repositories, [], 'nothing pushed');
    assert.equal(existsSync(inventoryFile), false, 'no inventory for an import that did not happen');
    await auditPage(p, 'Import, a delta refused for a missing base');
    await shoot('import-missing-base', refusal);

    // into the registry holding last week: imported, then the inventory saved and confirmed with its path and size
    await p.getByLabel('Registry', { exact: true }).fill(holding.host);
    await p.getByRole('button', { name: 'Import', exact: true }).click();
    await p.getByRole('heading', { name: `Imported into ${holding.host}` }).waitFor({ timeout: 60_000 });
    const saved = p.getByRole('status').filter({ hasText: 'Inventory saved for the next transfer' });
    await saved.waitFor();
    const savedText = await saved.innerText();
    assert.ok(savedText.includes(inventoryFile), savedText);
    assert.match(savedText, new RegExp(`\\(${statSync(inventoryFile).size} B\\)|\\([\\d.]+ kB\\)`));
    const { inventory: written } = await readInventory(inventoryFile);
    const tags = written.repositories.flatMap((r) => Object.entries(r.tags).map(([tag, digest]) => `${r.registry}/${r.name}:${tag}@${digest}`)).sort();
    assert.deepEqual(
      tags,
      [
        `${holding.host}/test/app:2.0@${images.app2.manifest.digest}`,
        `${holding.host}/test/other:2.2@${images.other2.manifest.digest}`,
        `${holding.host}/test/tool:2.1@${images.tool2.manifest.digest}`,
      ],
      'the v2 tags, as the registry now names them',
    );
    await auditPage(p, 'Import, a delta imported and its inventory saved');
    await shoot('import-inventory-saved', saved);
  });

  test('Import: a k3s/k0s folder takes the delta with its Base bundles (the complete archive is placed)', async () => {
    const p = page();
    await p.getByRole('radio', { name: 'A k3s / k0s images folder' }).check();
    const bases = p.getByRole('group', { name: 'Base bundles' });
    await bases.getByText(/No base bundles yet/).waitFor();
    await p.getByLabel('Base bundle folder').fill(week1.dir);
    await p.getByRole('button', { name: 'Add base bundle' }).click();
    await bases.getByRole('list', { name: 'Base bundles' }).getByText(/made against it ✓/).waitFor();
    const imagesDir = join(work, 'k3s-images');
    mkdirSync(imagesDir);
    await p.getByRole('textbox', { name: 'Images folder' }).fill(imagesDir);
    const nodeInventory = join(work, 'node-inventory.json');
    await p.getByLabel('Inventory file').fill(nodeInventory);
    await auditPage(p, 'Import, a delta into a folder with base bundles');
    await shoot('import-base-bundles', bases);
    await p.getByRole('button', { name: 'Place archive' }).click();
    await p.getByRole('heading', { name: 'Placed' }).waitFor({ timeout: 60_000 });
    const placed = placedArchiveName(JSON.parse(readFileSync(join(deltaDir, 'bundle.json'), 'utf8')) as BundleManifest);
    assert.deepEqual(readdirSync(imagesDir), [placed]);
    // complete: the blobs the delta relies on came from the base bundle
    const entries = new Set(execFileSync('tar', ['-tf', join(imagesDir, placed)], { encoding: 'utf8' }).split('\n'));
    for (const digest of images.shared) assert.ok(entries.has(`blobs/sha256/${digest.slice('sha256:'.length)}`), `${digest} in the placed archive`);
    const { inventory: node } = await readInventory(nodeInventory);
    assert.deepEqual(node.sources.map((s) => s.kind), ['containerd']);
    assert.ok(node.blobs.length >= images.shared.length, 'the blobs of the complete archive');
  });
});
