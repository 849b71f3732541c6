// `npm run bench`, "second week": what a delta bundle (`ferry bundle --have`) carries and costs against a full bundle
// and an image-level differential, and how fast `ferry inventory` lists a registry of a few hundred repositories.
// Everything runs against real docker-registry (distribution 2.8) processes on loopback:
//
//   source    week 1: six images of random (incompressible) layers, three on one base, two on another, one alone;
//             week 2: four of them add a small layer on top of what they had, one is unchanged, one is replaced by
//             an image that shares nothing with week 1
//   offline   week 1's bundle B1 imported under mirror/, plus ~300 repositories seeded by cross-repository mounts
//
// Figures: (a) a full bundle of week 2; (b) an image-level differential (Zarf-style: skip an image whose digest is
// already offline, carry every other one whole) — made as a bundle of the changed images only; (c) the delta against
// `ferry inventory` of the offline registry and against B1; (d) the delta's time against the full bundle's (engine
// in-process, `--no-cache`, best of FERRY_BENCH_RUNS interleaved runs); (e) `inventory` of the offline registry,
// repositories/s, against the bare HTTP requests it needs (catalog pages, tags/list, manifest GET per tag; undici,
// same concurrency) as a floor measured in the same run.
//
// The floor of (c) is asserted, not timed: the delta's config and layer bytes must equal the sizes of the blobs
// new to the offline side, exactly (manifests, always carried, reported apart); a mismatch fails the bench.
// Targets: delta time ≤ 1.00× full bundle; inventory ≤ 1.5× bare HTTP. PASS/FAIL printed; timing targets do not
// change the exit code (a busy machine is not a regression), the byte floor does.
//
//   npm run build && node dist/bench/delta-bench.js
//
// Environment: FERRY_BENCH_RUNS (default 5) runs per contender; FERRY_BENCH_REPOS (default 300) repositories seeded
// offline; FERRY_BENCH_UNIT_MIB (default 1) scales every layer (a base is 5–8 units, an app layer 2, a patch ½).
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import type { BundleManifest } from '../shared/bundle-manifest.js';
import { createBundle, importBundle, makeInventory, type CreateBundleResult } from '../electron/engine/index.js';
import { isManifestMediaType } from '../electron/engine/oci/media-types.js';
import { MANIFEST_ACCEPT } from '../electron/engine/registry/manifest-media-types.js';
import { mapLimit } from '../electron/engine/util/map-limit.js';
import {
  buildSingleImage,
  imageBlobs,
  makeRandomLayer,
  makeTempDir,
  pushImage,
  removeDir,
  seedManyRepositories,
  startRegistry,
  type BuiltImage,
  type Layer,
  type RegistryHandle,
} from '../e2e/harness/index.js';

const MIB = 1024 * 1024;
const RUNS = Math.max(1, Number(process.env.FERRY_BENCH_RUNS ?? 5));
const REPOS = Math.max(1, Number(process.env.FERRY_BENCH_REPOS ?? 300));
const UNIT = Math.max(64 * 1024, Math.round(Number(process.env.FERRY_BENCH_UNIT_MIB ?? 1) * MIB));
/** `ferry inventory`'s defaults, which the floor uses too. */
const CONCURRENCY = 8;
const PAGE_SIZE = 1000;

const mib = (bytes: number): string => `${(bytes / MIB).toFixed(2)} MiB`;
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');

/** Week 1 and week 2, by repository (tags `1` and `2`). */
interface Weeks {
  week1: Map<string, BuiltImage>;
  week2: Map<string, BuiltImage>;
}

/** Builds both weeks in memory (random layers, gzip level 0: incompressible, as real layers are to a bundle). */
async function buildWeeks(): Promise<Weeks> {
  const amd64 = { os: 'linux', architecture: 'amd64' };
  const layer = (units: number, name: string): Promise<Layer> => makeRandomLayer(Math.round(units * UNIT), { name });
  const baseA = await layer(8, 'base/a.bin');
  const baseB = await layer(6, 'base/b.bin');
  const baseC = await layer(5, 'base/c.bin');
  const bases = [baseA, baseA, baseA, baseB, baseB, baseC];
  const apps = await Promise.all(bases.map((_, i) => layer(2, `app/svc-${i}.bin`)));
  const week1 = new Map<string, BuiltImage>();
  const week2 = new Map<string, BuiltImage>();
  for (const [i, base] of bases.entries()) week1.set(`bench/svc-${i}`, buildSingleImage('oci', amd64, [base, apps[i]!], { cmd: [`/svc-${i}`] }));
  // four add a small layer on top of everything they had
  for (let i = 0; i < 4; i++) week2.set(`bench/svc-${i}`, buildSingleImage('oci', amd64, [bases[i]!, apps[i]!, await layer(0.5, `patch/svc-${i}.bin`)], { cmd: [`/svc-${i}`] }));
  // one unchanged (the same digest: an image-level differential skips it too)
  week2.set('bench/svc-4', week1.get('bench/svc-4')!);
  // one replaced by an image that shares nothing with week 1
  week2.set('bench/svc-5', buildSingleImage('oci', amd64, [await layer(5, 'base/d.bin'), await layer(2, 'app/svc-5-new.bin')], { cmd: ['/svc-5'] }));
  return { week1, week2 };
}

/** Config and layer digests with their sizes (manifests aside), over several images, each once. */
function contentBlobs(images: Iterable<BuiltImage>): Map<string, number> {
  const blobs = new Map<string, number>();
  for (const image of images) for (const [digest, blob] of imageBlobs(image)) if (!blob.foreign) blobs.set(digest, blob.size);
  return blobs;
}

const sum = (sizes: Iterable<number>): number => [...sizes].reduce((n, s) => n + s, 0);

/** What a bundle folder holds on disk, and its parts. */
interface Measured {
  dir: string;
  manifest: BundleManifest;
  stats: CreateBundleResult['stats'];
  /** Every file of the folder (archive, bundle.json, SHA256SUMS). */
  onDisk: number;
  bundleJson: number;
  /** Config and layer bytes in the archive. */
  content: number;
  /** Manifest bytes in the archive. */
  manifests: number;
  /** The rest of the archive: tar headers and padding, index.json, manifest.json, oci-layout. */
  overhead: number;
}

async function measure(result: CreateBundleResult): Promise<Measured> {
  let onDisk = 0;
  let bundleJson = 0;
  for (const entry of await readdir(result.dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const size = (await stat(join(result.dir, entry.name))).size;
    onDisk += size;
    if (entry.name === 'bundle.json') bundleJson = size;
  }
  const blobs = result.manifest.blobs;
  const manifests = sum(blobs.filter((b) => isManifestMediaType(b.mediaType)).map((b) => b.size));
  const content = sum(blobs.filter((b) => !isManifestMediaType(b.mediaType)).map((b) => b.size));
  return { dir: result.dir, manifest: result.manifest, stats: result.stats, onDisk, bundleJson, content, manifests, overhead: result.manifest.archive.size - manifests - content };
}

/** The next page named by a `Link: <…>; rel="next"` header, resolved against the registry. */
function nextPage(link: string | string[] | undefined): string | undefined {
  const header = Array.isArray(link) ? link.join(', ') : link;
  const m = header ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(header) : null;
  return m?.[1];
}

/**
 * The floor of `ferry inventory`: the same HTTP requests with nothing around them — the catalog page by page, every
 * repository's tags/list, a manifest GET per tag (bodies read, not parsed or hashed) — `concurrency` repositories at
 * once over as many connections.
 */
async function bareListing(registry: RegistryHandle, concurrency: number, pageSize: number): Promise<{ seconds: number; repositories: number; tags: number }> {
  const agent = new Agent({ connections: concurrency });
  const get = async (path: string, accept: string): Promise<{ body: Buffer; link: string | string[] | undefined }> => {
    const res = await request(new URL(path, registry.url), { dispatcher: agent, headers: { accept } });
    const body = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode !== 200) throw new Error(`bare listing: GET ${path} answered ${res.statusCode}`);
    return { body, link: res.headers.link };
  };
  const pages = async (first: string, key: 'repositories' | 'tags'): Promise<string[]> => {
    const names: string[] = [];
    for (let next: string | undefined = first; next !== undefined; ) {
      const page = await get(next, 'application/json');
      names.push(...((JSON.parse(page.body.toString()) as Record<string, string[] | null>)[key] ?? []));
      next = nextPage(page.link);
    }
    return names;
  };
  const started = performance.now();
  let tags = 0;
  try {
    const repositories = await pages(`/v2/_catalog?n=${pageSize}`, 'repositories');
    await mapLimit(repositories, concurrency, async (name) => {
      const list = await pages(`/v2/${name}/tags/list?n=${pageSize}`, 'tags');
      await mapLimit(list, concurrency, (tag) => get(`/v2/${name}/manifests/${tag}`, MANIFEST_ACCEPT));
      tags += list.length;
    });
    return { seconds: (performance.now() - started) / 1000, repositories: repositories.length, tags };
  } finally {
    await agent.close();
  }
}

/** Throws unless `actual` equals `expected`, naming what. */
function assertEqual<T>(actual: T, expected: T, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: got ${a}, expected ${e}`);
}

async function main(): Promise<void> {
  const benchStarted = performance.now();
  const work = await makeTempDir('delta-bench');
  const registries: RegistryHandle[] = [];
  try {
    const [source, offline] = await Promise.all([startRegistry(), startRegistry()]);
    registries.push(source, offline);
    const registry = { insecureRegistries: [source.host, offline.host] };

    // the two weeks, pushed to the source; the offline registry's other repositories
    let started = performance.now();
    const { week1, week2 } = await buildWeeks();
    for (const [repo, image] of week1) await pushImage(source, repo, '1', image);
    for (const [repo, image] of week2) await pushImage(source, repo, '2', image);
    const seededRepos = await seedManyRepositories(offline, REPOS, { prefix: 'many', concurrency: CONCURRENCY });
    console.log(
      `seeded: ${week1.size} week-1 and ${week2.size} week-2 images (${mib(sum(contentBlobs([...week1.values(), ...week2.values()]).values()))} distinct) on ${source.host}; ` +
        `${REPOS} repositories by mounts on ${offline.host} in ${(seededRepos.elapsedMs / 1000).toFixed(1)} s; ${((performance.now() - started) / 1000).toFixed(1)} s in all`,
    );
    const refs1 = [...week1.keys()].map((repo) => `${source.host}/${repo}:1`);
    const refs2 = [...week2.keys()].map((repo) => `${source.host}/${repo}:2`);

    // week 1 crosses: a full bundle B1, imported under mirror/
    started = performance.now();
    const b1Dir = join(work, 'b1');
    const b1 = await createBundle({ images: refs1, outputDir: b1Dir, cache: false, registry });
    const imported = await importBundle({ dirs: [b1Dir], to: `${offline.host}/mirror`, registry });
    console.log(`week 1: bundle B1 ${mib(b1.manifest.archive.size)} made and imported (${imported.report.images.length} images) in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    // (e) inventory of the offline registry against the bare HTTP requests, interleaved, best of RUNS
    const inventoryFile = join(work, 'inventory.json');
    const inv = { ferry: Infinity, bare: Infinity, repositories: 0, tags: 0, blobs: 0, bareRepositories: 0, bareTags: 0 };
    for (let run = 0; run < RUNS; run++) {
      const bare = await bareListing(offline, CONCURRENCY, PAGE_SIZE);
      inv.bare = Math.min(inv.bare, bare.seconds);
      Object.assign(inv, { bareRepositories: bare.repositories, bareTags: bare.tags });
      const t0 = performance.now();
      const made = await makeInventory({ from: [offline.host], output: inventoryFile, registry, concurrency: CONCURRENCY, pageSize: PAGE_SIZE });
      inv.ferry = Math.min(inv.ferry, (performance.now() - t0) / 1000);
      Object.assign(inv, { repositories: made.counts.repositories, tags: made.counts.tags, blobs: made.counts.blobs });
    }
    assertEqual(inv.repositories, REPOS + week1.size, 'repositories the inventory lists');
    assertEqual([inv.bareRepositories, inv.bareTags], [inv.repositories, inv.tags], 'repositories and tags the bare listing saw');

    // (a)–(d): week 2, full and delta, interleaved, best of RUNS; the first run's bundles are kept for sizes
    const week1Blobs = contentBlobs(week1.values());
    const week2Blobs = contentBlobs(week2.values());
    const newBlobs = new Map([...week2Blobs].filter(([digest]) => !week1Blobs.has(digest)));
    const heldBlobs = new Map([...week2Blobs].filter(([digest]) => week1Blobs.has(digest)));
    const week2Manifests = sum([...week2.values()].map((i) => i.manifest.size));
    const changed = [...week2.keys()].filter((repo) => ![...week1.values()].some((old) => old.manifest.digest === week2.get(repo)!.manifest.digest));
    const contenders = {
      full: { images: refs2, have: [] as string[] },
      inventory: { images: refs2, have: [inventoryFile] },
      b1: { images: refs2, have: [b1Dir] },
    };
    const best = { full: Infinity, inventory: Infinity, b1: Infinity };
    const kept: Partial<Record<keyof typeof contenders, Measured>> = {};
    for (let run = 0; run < RUNS; run++) {
      for (const name of Object.keys(contenders) as (keyof typeof contenders)[]) {
        const c = contenders[name];
        const outputDir = join(work, `${name}-${run}`);
        const t0 = performance.now();
        const result = await createBundle({ images: c.images, outputDir, cache: false, registry, ...(c.have.length > 0 ? { have: c.have } : {}) });
        best[name] = Math.min(best[name], (performance.now() - t0) / 1000);
        if (run === 0) kept[name] = await measure(result);
        else await rm(outputDir, { recursive: true, force: true });
      }
    }
    const zarf = await measure(await createBundle({ images: changed.map((repo) => `${source.host}/${repo}:2`), outputDir: join(work, 'zarf'), cache: false, registry }));
    const full = kept.full!;
    const deltaInv = kept.inventory!;
    const deltaB1 = kept.b1!;

    // the floor: exactly the new blobs, every manifest, nothing else
    assertEqual(full.content, sum(week2Blobs.values()), 'config and layer bytes of the full bundle');
    for (const [name, d] of [['--have inventory.json', deltaInv], ['--have B1', deltaB1]] as const) {
      const carried = d.manifest.blobs.filter((b) => !isManifestMediaType(b.mediaType)).map((b) => b.digest).sort();
      assertEqual(carried, [...newBlobs.keys()].sort(), `${name}: the config and layer blobs carried`);
      assertEqual(d.content, sum(newBlobs.values()), `${name}: config and layer bytes carried`);
      assertEqual(d.manifests, week2Manifests, `${name}: manifest bytes carried`);
      assertEqual(d.stats.bytes, sum(newBlobs.values()) + week2Manifests, `${name}: bytes fetched and written`);
      assertEqual((d.manifest.delta?.omitted ?? []).map((o) => o.digest).sort(), [...heldBlobs.keys()].sort(), `${name}: the blobs omitted`);
      assertEqual(d.stats.bytesOmitted, sum(heldBlobs.values()), `${name}: bytes omitted`);
    }
    // the delta works: imported on top of week 1, the target holds what a full import would
    const deltaImport = await importBundle({ dirs: [deltaInv.dir], to: `${offline.host}/mirror`, registry });
    assertEqual(
      deltaImport.report.images.map((i) => i.digest).sort(),
      full.manifest.images.map((i) => i.digest).sort(),
      'digests the delta import pushed',
    );

    // the report
    const row = (label: string, m: Measured): string =>
      `  ${label.padEnd(40)} ${mib(m.onDisk).padStart(10)}  ${`${m.manifest.images.length}`.padStart(2)} img  ` +
      `blobs ${mib(m.content).padStart(10)}  manifests ${`${m.manifests} B`.padStart(7)}  archive overhead ${`${(m.overhead / 1024).toFixed(1)} KiB`.padStart(9)}  bundle.json ${`${(m.bundleJson / 1024).toFixed(1)} KiB`.padStart(8)}`;
    console.log(`\nweek 2 (${week2.size} images: 4 add a ${mib(UNIT / 2)} layer, 1 unchanged, 1 shares nothing), size on disk:`);
    console.log(row('(a) full bundle', full));
    console.log(row(`(b) image-level differential (${changed.length} changed)`, zarf));
    console.log(row('(c) delta --have inventory.json', deltaInv));
    console.log(row('(c) delta --have B1', deltaB1));
    console.log(`  new to the offline side: ${newBlobs.size} blobs, ${mib(sum(newBlobs.values()))}; held there: ${heldBlobs.size} blobs, ${mib(sum(heldBlobs.values()))}; week-2 manifests ${week2Manifests} B`);
    console.log(
      `  delta / full ${(deltaInv.onDisk / full.onDisk).toFixed(3)}×, delta / image-level ${(deltaInv.onDisk / zarf.onDisk).toFixed(3)}×, ` +
        `image-level / full ${(zarf.onDisk / full.onDisk).toFixed(3)}×`,
    );
    console.log(`  floor: carried config+layer bytes = new blob bytes exactly (${sum(newBlobs.values())} B), manifests ${week2Manifests} B apart, both deltas  PASS`);

    console.log(`\n(d) time, engine in-process, no cache, best of ${RUNS}:`);
    console.log(`  full bundle                 ${best.full.toFixed(3)} s`);
    console.log(`  delta --have inventory.json ${best.inventory.toFixed(3)} s`);
    console.log(`  delta --have B1             ${best.b1.toFixed(3)} s`);
    const invRatio = best.inventory / best.full;
    const b1Ratio = best.b1 / best.full;
    console.log(`  delta (inventory) / full  ${invRatio.toFixed(2)}×  (target ≤ 1.00×) ${verdict(invRatio <= 1)}`);
    console.log(`  delta (B1) / full         ${b1Ratio.toFixed(2)}×  (target ≤ 1.00×) ${verdict(b1Ratio <= 1)}`);

    const ratio = inv.ferry / inv.bare;
    console.log(`\n(e) inventory of ${inv.repositories} repositories (${inv.tags} tags, ${inv.blobs} blobs), concurrency ${CONCURRENCY}, best of ${RUNS}:`);
    console.log(`  makeInventory               ${inv.ferry.toFixed(3)} s  ${(inv.repositories / inv.ferry).toFixed(0)} repositories/s`);
    console.log(`  bare HTTP (floor)           ${inv.bare.toFixed(3)} s  ${(inv.repositories / inv.bare).toFixed(0)} repositories/s`);
    console.log(`  inventory / bare HTTP     ${ratio.toFixed(2)}×  (target ≤ 1.50×) ${verdict(ratio <= 1.5)}`);
    console.log(`\ndelta bench: ${((performance.now() - benchStarted) / 1000).toFixed(0)} s in all`);
  } finally {
    for (const r of registries) await r.stop();
    await removeDir(work);
  }
}

await main();
