// `ferry diff OLD NEW` against real bundles made from a real registry: two releases of the same tags sharing layers,
// bundles and inventories on either side, a delta as NEW, the --json shape, hostile input refused, and the
// "What changed" section of `ferry inspect --html --against OLD`.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BundleManifest } from '../../shared/bundle-manifest.js';
import type { DiffImage, DiffReport } from '../../shared/diff-report.js';
import { createApiHost, createBundle, diffHoldings, makeInventory, renderHtmlReport } from '../../electron/engine/index.js';
import { makeTempDir, removeDir, startRegistry, type RegistryHandle } from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';
import { buildTwoReleases, bundleBlobsOf, inventoryOfImages, pushRelease, type TwoReleases } from '../harness/release-images.js';

let work: string;
let registry: RegistryHandle;
let releases: TwoReleases;
let env: NodeJS.ProcessEnv;
const dirs = { v1: '', v2: '', delta: '', gone: '' };
const files = { v2Inventory: '', v1Mirror: '' };
let v1: BundleManifest;
let v2: BundleManifest;
let delta: BundleManifest;
let gone: BundleManifest;

const OFFLINE = 'offline.example:5000';
const name = (n: string): string => `${registry.host}/${n}`;
const sum = (values: Iterable<number>): number => [...values].reduce((a, b) => a + b, 0);
const byName = (report: DiffReport): Map<string, DiffImage> => new Map(report.images.map((i) => [i.name, i]));
const parse = (stdout: string): DiffReport & { type: string } => JSON.parse(stdout) as DiffReport & { type: string };

/** What a week-2 image brings against what `held` holds: computed from the built images, not by the engine. */
function expectedBytes(image: string, held: Set<string>, carried?: Set<string>): { newBytes: number; totalBytes: number } {
  const blobs = bundleBlobsOf(releases.week2[image]!);
  return {
    newBytes: sum([...blobs].filter(([d]) => !held.has(d) && (carried === undefined || carried.has(d))).map(([, s]) => s)),
    totalBytes: sum(blobs.values()),
  };
}

before(async () => {
  work = await makeTempDir('ferry-diff');
  env = { HOME: join(work, 'home'), XDG_CACHE_HOME: join(work, 'xdg-cache'), DOCKER_CONFIG: join(work, 'home', '.docker') };
  registry = await startRegistry();
  try {
    releases = await buildTwoReleases();
    const make = async (dir: string, images: string[], have?: string[]): Promise<BundleManifest> =>
      (await createBundle({ images: images.map(name), outputDir: join(work, dir), cache: false, registry: { insecureRegistries: [registry.host] }, ...(have ? { have } : {}) })).manifest;
    await pushRelease(registry, releases.week1);
    dirs.v1 = join(work, 'v1');
    dirs.gone = join(work, 'gone');
    [v1, gone] = await Promise.all([make('v1', Object.keys(releases.week1)), make('gone', ['test/gone:1'])]);
    await pushRelease(registry, releases.week2);
    dirs.v2 = join(work, 'v2');
    dirs.delta = join(work, 'delta');
    [v2, delta] = await Promise.all([make('v2', Object.keys(releases.week2)), make('delta', Object.keys(releases.week2), [dirs.v1])]);
  } finally {
    await registry.stop();
  }
  // NEW as an inventory: what the offline side holds once week 2 is imported, named by source (ferry inventory --from-bundle)
  files.v2Inventory = join(work, 'v2-inventory.json');
  await makeInventory({ output: files.v2Inventory, fromBundles: [dirs.v2] });
  // OLD as an inventory of the offline registry: week 1 imported under mirror/ (ferry import --to OFFLINE/mirror)
  files.v1Mirror = join(work, 'v1-mirror-inventory.json');
  const mirrored = Object.entries(releases.week1).map(([n, image]) => ({ registry: OFFLINE, name: `mirror/${n.split(':')[0]}`, tag: n.split(':')[1]!, image }));
  writeFileSync(files.v1Mirror, JSON.stringify(inventoryOfImages(mirrored, { sources: [{ kind: 'registry', registry: OFFLINE, prefix: 'mirror' }] })));
});
after(async () => {
  if (work) await removeDir(work);
});

describe('ferry diff: bundle against bundle', () => {
  let report: DiffReport & { type: string };
  let text: string;
  before(async () => {
    const [json, plain] = await Promise.all([runFerry(['diff', dirs.v1, dirs.v2, '--json'], { env }), runFerry(['diff', dirs.v1, dirs.v2], { env })]);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(plain.code, 0, plain.stderr);
    report = parse(json.stdout);
    text = plain.stdout;
  });

  test('added, changed, removed and unchanged exactly, in a fixed order', () => {
    assert.deepEqual(report.counts, { added: 1, changed: 2, removed: 1, unchanged: 1 });
    assert.deepEqual(
      report.images.map((i) => [i.change, i.name]),
      [
        ['added', name('test/new:1')],
        ['changed', name('test/app:1')],
        ['changed', name('test/tool:1')],
        ['removed', name('test/gone:1')],
        ['unchanged', name('test/same:1')],
      ],
    );
    const images = byName(report);
    for (const [n, image] of Object.entries(releases.week2)) assert.equal(images.get(name(n))!.new!.digest, image.manifest.digest, n);
    for (const [n, image] of Object.entries(releases.week1)) assert.equal(images.get(name(n))!.old!.digest, image.manifest.digest, n);
    // the platforms of each side: week 2's app gained arm64
    const app = images.get(name('test/app:1'))!;
    assert.deepEqual(app.old!.platforms, ['linux/amd64']);
    assert.deepEqual(app.new!.platforms, ['linux/amd64', 'linux/arm64/v8']);
    assert.deepEqual(images.get(name('test/new:1'))!.otherTagsInOld, undefined);
  });

  test('new bytes per image are the blobs the old bundle lacks, totals the image sizes, and blobs added sum up', () => {
    const held = new Set(v1.blobs.map((b) => b.digest));
    assert.deepEqual(held, new Set(Object.values(releases.week1).flatMap((i) => [...bundleBlobsOf(i).keys()])), 'the v1 bundle holds exactly what week 1 is made of');
    const images = byName(report);
    for (const n of Object.keys(releases.week2)) {
      const entry = images.get(name(n))!;
      const expected = expectedBytes(n, held);
      assert.equal(entry.newBytes, expected.newBytes, `${n} new bytes`);
      assert.equal(entry.totalBytes, expected.totalBytes, `${n} total`);
      assert.equal(entry.totalBytes, v2.images.find((i) => i.reference === name(n))!.size, `${n} total is its size in bundle.json`);
    }
    assert.equal(images.get(name('test/same:1'))!.newBytes, 0);
    assert.ok(images.get(name('test/tool:1'))!.newBytes! < images.get(name('test/tool:1'))!.totalBytes!, 'tool shares its base and tools layers');
    const added = v2.blobs.filter((b) => !held.has(b.digest));
    assert.deepEqual(report.blobsAdded, { count: added.length, bytes: sum(added.map((b) => b.size)) });
    assert.equal(images.get(name('test/gone:1'))!.newBytes, undefined, 'a removed image has no new bytes');
  });

  test('--json is the report: both sides, counts, images, blobs added', () => {
    assert.equal(report.type, 'result');
    assert.equal(report.version, 1);
    assert.deepEqual(Object.keys(report).sort(), ['blobsAdded', 'counts', 'images', 'new', 'notes', 'old', 'type', 'version', 'warnings']);
    assert.deepEqual(report.old, { path: dirs.v1, kind: 'bundle', sha256: report.old.sha256, bundleId: v1.id, created: v1.created, images: 4, blobs: v1.blobs.length, bytes: sum(v1.blobs.map((b) => b.size)), platformsKnown: true });
    assert.match(report.old.sha256, /^[a-f0-9]{64}$/);
    assert.equal(report.new.bundleId, v2.id);
    assert.deepEqual(report.warnings, []);
    assert.deepEqual(report.notes, []);
  });

  test('the text is a table a reviewer reads: counts, each image with old → new digest, platforms, new bytes', () => {
    assert.match(text, /^What is new in this transfer\n/);
    assert.match(text, /1 added, 2 changed, 1 removed \(in OLD, not in NEW\), 1 unchanged/);
    assert.match(text, /CHANGE +IMAGE +OLD DIGEST +NEW DIGEST +PLATFORMS +NEW \/ TOTAL BYTES/);
    const row = text.split('\n').find((l) => l.startsWith('changed') && l.includes('test/app:1'))!;
    assert.ok(row.includes(releases.week1['test/app:1']!.manifest.digest.slice(0, 19)) && row.includes(releases.week2['test/app:1']!.manifest.digest.slice(0, 19)), row);
    assert.match(row, /linux\/amd64 → linux\/amd64, linux\/arm64/);
    assert.match(text, /New in this transfer: \d+ blob\(s\)/);
  });

  test('a bundle against itself: everything unchanged, nothing new', async () => {
    const self = await diffHoldings(dirs.v2, join(dirs.v2, 'bundle.json'));
    assert.deepEqual(self.counts, { added: 0, changed: 0, removed: 0, unchanged: 4 });
    assert.deepEqual(self.blobsAdded, { count: 0, bytes: 0 });
    assert.ok(self.images.every((i) => i.newBytes === 0));
  });
});

describe('ferry diff with a bundle.json kept alone', () => {
  test('OLD needs no archive; NEW without one still gives images and blobs added, and says its per-image bytes are unknown', async () => {
    const alone = join(work, 'alone');
    mkdirSync(alone);
    copyFileSync(join(dirs.v2, 'bundle.json'), join(alone, 'bundle.json'));
    const full = await diffHoldings(join(dirs.v1, 'bundle.json'), dirs.v2);
    const report = await diffHoldings(join(dirs.v1, 'bundle.json'), alone);
    assert.deepEqual(report.counts, full.counts);
    assert.deepEqual(report.blobsAdded, full.blobsAdded);
    assert.ok(report.images.filter((i) => i.new).every((i) => i.newBytes === null && i.totalBytes === null));
    assert.equal(report.warnings.length, 1);
    assert.match(report.warnings[0]!, /The archive of NEW .*alone cannot be read .*its new bytes are not given/);
  });
});

describe('ferry diff with inventories', () => {
  test('bundle against inventory: images are its tags, platforms and per-image bytes unknown, and it says so', async () => {
    const r = await runFerry(['diff', dirs.v1, files.v2Inventory, '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    const report = parse(r.stdout);
    assert.equal(report.new.kind, 'inventory');
    assert.deepEqual(report.counts, { added: 1, changed: 2, removed: 1, unchanged: 1 });
    const images = byName(report);
    for (const [n, image] of Object.entries(releases.week2)) {
      const entry = images.get(name(n))!;
      assert.equal(entry.new!.digest, image.manifest.digest);
      assert.equal(entry.new!.platforms, null, 'an inventory records no platforms');
      assert.equal(entry.newBytes, null);
    }
    // an inventory's blobs are configs and layers: the added ones are week 2's the v1 bundle lacks
    const held = new Set(v1.blobs.map((b) => b.digest));
    const layers = new Map(Object.values(releases.week2).flatMap((i) => [...bundleBlobsOf(i)].filter(([d]) => !i.platforms.some((p) => p.manifest.digest === d) && d !== i.manifest.digest)));
    const added = [...layers].filter(([d]) => !held.has(d));
    assert.deepEqual(report.blobsAdded, { count: added.length, bytes: sum(added.map(([, s]) => s)) });
    assert.ok(report.notes.some((n) => /NEW is an inventory: it does not record platforms/.test(n)));
    assert.ok(report.notes.some((n) => /per-image new bytes are unknown/.test(n)));
  });

  test('inventory against bundle: an offline registry under a prefix is matched by path, and new bytes are what it lacks', async () => {
    const r = await runFerry(['diff', files.v1Mirror, dirs.v2, '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    const report = parse(r.stdout);
    assert.equal(report.old.kind, 'inventory');
    assert.equal(report.old.platformsKnown, false);
    assert.deepEqual(report.counts, { added: 1, changed: 2, removed: 1, unchanged: 1 });
    const images = byName(report);
    const app = images.get(name('test/app:1'))!;
    assert.equal(app.change, 'changed');
    assert.equal(app.matchedByPath, true);
    assert.equal(app.old!.name, `${OFFLINE}/mirror/test/app:1`);
    assert.equal(app.old!.platforms, null);
    assert.equal(images.get(`${OFFLINE}/mirror/test/gone:1`)!.change, 'removed');
    // the inventory holds week 1's configs, layers and manifests: the same new bytes as against the v1 bundle
    const held = new Set(Object.values(releases.week1).flatMap((i) => [...bundleBlobsOf(i).keys()]));
    for (const n of Object.keys(releases.week2)) assert.equal(images.get(name(n))!.newBytes, expectedBytes(n, held).newBytes, n);
    assert.ok(report.notes.some((n) => /matched by repository path/.test(n)));
    // the text names both
    const text = await runFerry(['diff', files.v1Mirror, dirs.v2], { env });
    assert.equal(text.code, 0, text.stderr);
    assert.ok(text.stdout.includes(`OLD names it ${OFFLINE}/mirror/test/app:1`), text.stdout);
    assert.match(text.stdout, /unknown → linux\/amd64, linux\/arm64/);
  });
});

describe('ferry diff with a delta as NEW', () => {
  test('against its base: the same images, and what it omits is not new', async () => {
    const report = await diffHoldings(dirs.v1, dirs.delta);
    assert.ok(delta.delta && delta.delta.omitted.length > 0, 'the delta omits the shared layers');
    assert.deepEqual(report.counts, { added: 1, changed: 2, removed: 1, unchanged: 1 });
    const held = new Set(v1.blobs.map((b) => b.digest));
    for (const n of Object.keys(releases.week2)) assert.equal(byName(report).get(name(n))!.newBytes, expectedBytes(n, held).newBytes, n);
    assert.deepEqual(report.new.delta, { blobsReliedOn: delta.delta!.omitted.length, bytesReliedOn: sum(delta.delta!.omitted.map((o) => o.size)) });
    assert.ok(report.notes.some((n) => /NEW is a delta/.test(n)));
  });

  test('against a side lacking its base: the blobs it omits still do not count as new', async () => {
    const [againstDelta, againstFull] = await Promise.all([diffHoldings(dirs.gone, dirs.delta), diffHoldings(dirs.gone, dirs.v2)]);
    const held = new Set(gone.blobs.map((b) => b.digest));
    const omitted = new Set(delta.delta!.omitted.map((o) => o.digest));
    const carried = new Set(delta.blobs.map((b) => b.digest));
    const added = delta.blobs.filter((b) => !held.has(b.digest));
    assert.deepEqual(againstDelta.blobsAdded, { count: added.length, bytes: sum(added.map((b) => b.size)) });
    assert.ok(againstDelta.blobsAdded.bytes < againstFull.blobsAdded.bytes, 'the full bundle brings the base too');
    assert.equal(againstFull.blobsAdded.bytes - againstDelta.blobsAdded.bytes, sum(delta.delta!.omitted.filter((o) => !held.has(o.digest)).map((o) => o.size)));
    for (const n of Object.keys(releases.week2)) {
      const entry = byName(againstDelta).get(name(n))!;
      assert.equal(entry.newBytes, expectedBytes(n, held, carried).newBytes, n);
      assert.equal(entry.totalBytes, expectedBytes(n, held).totalBytes, `${n}: the total still counts what it relies on`);
    }
    assert.ok(omitted.has(releases.base));
    assert.equal(byName(againstDelta).get(name('test/same:1'))!.change, 'added');
  });
});

describe("the app's API: bundle.diff", () => {
  test('answers the same report, checks its input, and names an unreadable side', async () => {
    const host = createApiHost();
    const outcome = await host.invoke('bundle.diff', { old: dirs.v1, new: dirs.v2 });
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.deepEqual(outcome.result, await diffHoldings(dirs.v1, dirs.v2));
    const bad = await host.invoke('bundle.diff', { old: dirs.v1 });
    assert.ok(!bad.ok && bad.reason === 'bad-input' && bad.error.subject === 'new', JSON.stringify(bad));
    const extra = await host.invoke('bundle.diff', { old: dirs.v1, new: dirs.v2, evil: 1 });
    assert.ok(!extra.ok && extra.reason === 'bad-input');
    const missing = await host.invoke('bundle.diff', { old: join(work, 'nothing'), new: dirs.v2 });
    assert.ok(!missing.ok && missing.reason === 'failed' && missing.error.code === 'not-found' && missing.error.message.includes(join(work, 'nothing')), JSON.stringify(missing));
  });
});

describe('ferry diff refuses bad input', () => {
  test('a missing file: exit 1 naming it; missing or extra arguments: exit 2', async () => {
    const missing = join(work, 'no-such-inventory.json');
    const [r, none, extra] = await Promise.all([
      runFerry(['diff', missing, dirs.v2], { env }),
      runFerry(['diff', dirs.v1], { env }),
      runFerry(['diff', dirs.v1, dirs.v2, dirs.delta], { env }),
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.includes(`OLD ${missing} does not exist`), r.stderr);
    assert.equal(none.code, 2, none.stderr);
    assert.equal(extra.code, 2, extra.stderr);
  });

  test('a hostile inventory (a name outside the grammar, an unknown schema) is refused by name, in --json too', async () => {
    const hostile = JSON.parse(readFileSync(files.v2Inventory, 'utf8')) as { repositories: { name: string }[]; schemaVersion: number };
    hostile.repositories[0]!.name = 'test/<script>alert(1)</script>';
    const bad = join(work, 'hostile-inventory.json');
    writeFileSync(bad, JSON.stringify(hostile));
    const future = join(work, 'future-inventory.json');
    writeFileSync(future, JSON.stringify({ ...hostile, schemaVersion: 7 }));
    const [r, json, v7] = await Promise.all([
      runFerry(['diff', dirs.v1, bad], { env }),
      runFerry(['diff', dirs.v1, bad, '--json'], { env }),
      runFerry(['diff', future, dirs.v2], { env }),
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /NEW: Inventory .*hostile-inventory\.json is not a valid inventory: repositories\.0\.name/);
    assert.equal(json.code, 1);
    assert.equal((JSON.parse(json.stdout) as { type: string; error: { code: string } }).error.code, 'bad-bundle');
    assert.equal(v7.code, 1);
    assert.match(v7.stderr, /OLD: Inventory .*future-inventory\.json has schema 7; this Ferry reads inventory schema 1: use a newer Ferry/);
  });

  test('a bundle.json that is not one: refused naming the file', async () => {
    const fake = join(work, 'fake');
    mkdirSync(fake);
    writeFileSync(join(fake, 'bundle.json'), '{"schemaVersion":1,"schemaVersion":1}');
    const r = await runFerry(['diff', dirs.v1, fake], { env });
    assert.equal(r.code, 1);
    assert.ok(r.stderr.includes(join(fake, 'bundle.json')), r.stderr);
  });
});

describe('ferry inspect --html --against OLD', () => {
  test('adds "What changed" with every image, escaped; the OLD path cannot inject markup', async () => {
    // a file name is the one free text here (names and tags are grammar-checked): it must arrive escaped
    const hostileDir = join(work, 'hostile-name');
    mkdirSync(hostileDir);
    const old = join(hostileDir, '<img src=x onerror=alert(1)>.json');
    copyFileSync(files.v1Mirror, old);
    const report = join(work, 'review.html');
    const r = await runFerry(['inspect', dirs.v2, '--html', report, '--against', old], { env });
    assert.equal(r.code, 0, r.stderr);
    const html = readFileSync(report, 'utf8');
    assert.match(html, /<h2>What changed<\/h2>/);
    assert.match(html, /1 added, 2 changed, 1 removed \(in OLD, not in this bundle\), 1 unchanged\./);
    for (const [n, image] of Object.entries(releases.week2)) {
      assert.ok(html.includes(name(n)), n);
      assert.ok(html.includes(image.manifest.digest), `${n} new digest`);
    }
    assert.ok(html.includes(`${OFFLINE}/mirror/test/gone:1`));
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;.json'), 'the path is escaped');
    assert.doesNotMatch(html, /<script|<img|onerror=alert\(1\)>/i);
  });

  test('every value of the diff is escaped in the section (names, digests, platforms, notes)', async () => {
    const diff = await diffHoldings(files.v1Mirror, dirs.v2);
    const evil = '<script>alert(1)</script>"&';
    diff.images[0]!.name = evil;
    diff.images[1]!.old!.name = evil;
    diff.images[1]!.matchedByPath = true;
    diff.images[1]!.new!.platforms = [evil];
    diff.images[2]!.new!.digest = evil;
    diff.images[0]!.otherTagsInOld = [evil];
    diff.old.created = evil;
    diff.notes.push(evil);
    diff.warnings.push(evil);
    const html = renderHtmlReport({ manifest: v2, bundleSha256: 'a'.repeat(64), warnings: [], generated: 'now', diff });
    assert.doesNotMatch(html, /<script/);
    assert.equal(html.split('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;').length - 1, 8);
    assert.doesNotMatch(renderHtmlReport({ manifest: v2, bundleSha256: 'a'.repeat(64), warnings: [], generated: 'now' }), /What changed/, 'no section without --against');
  });

  test('a hostile OLD writes no report; --against without --html is bad usage', async () => {
    const hostile = JSON.parse(readFileSync(files.v1Mirror, 'utf8')) as { repositories: { tags: Record<string, string> }[] };
    hostile.repositories[0]!.tags = { '"><script>alert(1)</script>': Object.values(hostile.repositories[0]!.tags)[0]! };
    const bad = join(work, 'hostile-tag.json');
    writeFileSync(bad, JSON.stringify(hostile));
    const report = join(work, 'refused.html');
    const [r, usage] = await Promise.all([
      runFerry(['inspect', dirs.v2, '--html', report, '--against', bad], { env }),
      runFerry(['inspect', dirs.v2, '--against', dirs.v1], { env }),
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /OLD: Inventory .*hostile-tag\.json is not a valid inventory/);
    assert.equal(existsSync(report), false);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--against adds "What changed" to the HTML report/);
  });
});
