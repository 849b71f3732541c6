// `ferry bundle` from a warm blob cache against the least work a bundle from cached blobs needs, per shape of issue 17:
//
//   (a) one image of FERRY_BENCH_MIB (default 512) MiB, (b) one image of 40 layers × 20 MiB,
//   (c) FERRY_BENCH_SMALL_IMAGES (default 300) small images (the shared base layer, two 64 KiB layers and a config each)
//
//   ferry   the built CLI: `ferry bundle REFS -o OUT --cache-dir DIR` after one warm-up run filled DIR; it still resolves
//           every tag against the registry (tags move), reads every blob from DIR, verifies it, writes the archive and
//           hashes it for SHA256SUMS
//   floor   `cat` of the cached blob files into one file, then one `openssl dgst -sha256` pass over them (each blob
//           hashed once, at node's own sha256 speed: SHA-NI; coreutils sha256sum is 4× slower and would flatter Ferry)
//   tags    a bare HEAD of every tag with undici, 8 at a time — the registry round trips no cached run can skip (tags move:
//           a cached run must still ask the registry for every tag), so the judged floor is floor + tags
//   CPU     for context: user + sys seconds of one more run of each (less sensitive to other load than wall time)
//
// Target (issue 17): ferry ≤ 1.2× floor in every shape, judged against floor + tags (one HEAD in (a) and (b): a few
// milliseconds; 300 in (c), where they are most of the least work); peak RSS ≤ 200 MB. Every timed run starts after `sync`, so
// writeback of an earlier run's output burdens no contender. FERRY_BENCH_SHAPES=a,b,c picks shapes; FERRY_BENCH_RUNS
// (default 3) the runs per contender, interleaved (the best is reported); FERRY_BENCH_CLI the CLI timed.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { seedBenchImages, startRegistry, type BenchImages, type RegistryHandle } from '../e2e/harness/index.js';
import { timedCommand } from './timed-command.js';

// bench/ under tsx, dist/bench/ when built
const root = [fileURLToPath(new URL('..', import.meta.url)), fileURLToPath(new URL('../..', import.meta.url))].find((dir) => existsSync(join(dir, 'bin', 'ferry.js')))!;
const MIB = 1024 * 1024;
const KIB = 1024;
const TARGET = 1.2;

interface Shape {
  key: string;
  label: string;
  seed: (registry: RegistryHandle) => Promise<BenchImages>;
}

const SHAPES: Shape[] = [
  {
    key: 'a',
    label: '(a) one image',
    seed: (registry) => seedBenchImages(registry, Number(process.env.FERRY_BENCH_MIB ?? 512) * MIB, { imageCount: 1, repositoryPrefix: 'cache-a' }),
  },
  {
    key: 'b',
    label: '(b) 40 layers × 20 MiB',
    seed: (registry) => seedBenchImages(registry, 40 * 20 * MIB, { imageCount: 1, maxLayerBytes: 20 * MIB, repositoryPrefix: 'cache-b' }),
  },
  {
    key: 'c',
    label: '(c) small images',
    // each image: the shared base layer, two 64 KiB layers of its own and its config
    seed: (registry) => {
      const count = Number(process.env.FERRY_BENCH_SMALL_IMAGES ?? 300);
      return seedBenchImages(registry, (2 * count + 1) * 64 * KIB, { imageCount: count, maxLayerBytes: 64 * KIB, concurrency: 4, repositoryPrefix: 'cache-c' });
    },
  },
];

/** The user + sys CPU seconds of a command and its children (a shell's `times`, after the command ran). */
async function cpuSeconds(command: string[]): Promise<number> {
  const run = await timedCommand('sh', ['-c', '"$@" > /dev/null 2>&1; code=$?; times >&2; exit $code', 'sh', ...command]);
  if (run.code !== 0) throw new Error(`${command[0]} failed: ${run.stderr}`);
  // the second line holds the children's times: `0m0.73s 0m0.21s`
  const children = run.stderr.trim().split('\n').at(-1) ?? '';
  const times = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (times.length !== 2) throw new Error(`no CPU times in ${JSON.stringify(run.stderr)}`);
  return times[0]! + times[1]!;
}

/** A bare HEAD of every tag, 8 at a time. */
async function headTags(registry: RegistryHandle, seeded: BenchImages): Promise<number> {
  const agent = new Agent({ connections: 8 });
  const queue = [...seeded.images];
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (let image = queue.shift(); image; image = queue.shift()) {
      const res = await request(`${registry.url}/v2/${image.repository}/manifests/${image.tag}`, {
        method: 'HEAD',
        dispatcher: agent,
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json' },
      });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`HEAD ${image.ref}: ${res.statusCode}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const seconds = (performance.now() - started) / 1000;
  await agent.close();
  return seconds;
}

async function runShape(shape: Shape, registry: RegistryHandle, work: string, runs: number, cli: string): Promise<boolean> {
  console.log(`\n${shape.label}: seeding …`);
  const seeded = await shape.seed(registry);
  const blobs = new Map<string, number>();
  for (const image of seeded.images) for (const b of [image.config, ...image.layers]) blobs.set(b.digest, b.size);
  const bytes = [...blobs.values()].reduce((n, s) => n + s, 0);
  console.log(`${shape.label}: ${seeded.images.length} image(s), ${blobs.size} distinct blobs, ${(bytes / MIB).toFixed(1)} MiB, seeded in ${(seeded.elapsedMs / 1000).toFixed(1)} s`);
  const refs = seeded.images.map((i) => `${registry.host}/${i.ref}`);
  const cacheDir = join(work, `cache-${shape.key}`);
  const out = join(work, `out-${shape.key}`);
  const bundleArgs = [cli, 'bundle', ...refs, '-o', out, '--force', '--cache-dir', cacheDir, '--insecure-registry', registry.host, '--json'];
  const bundle = (): Promise<Awaited<ReturnType<typeof timedCommand>>> => timedCommand(process.execPath, bundleArgs);

  // warm the cache once
  const warm = await bundle();
  if (warm.code !== 0) throw new Error(`ferry (warm-up) failed: ${warm.stderr}`);
  const files = [...blobs.keys()].map((d) => join(cacheDir, 'blobs', 'sha256', d.slice('sha256:'.length)));
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length > 0) throw new Error(`the warm-up left ${missing.length} blob(s) out of the cache, e.g. ${missing[0]}`);
  const floorOut = join(work, `floor-${shape.key}.bin`);

  const best = { ferry: Infinity, floor: Infinity, tags: Infinity, rss: 0 };
  for (let run = 1; run <= runs; run++) {
    await rm(out, { recursive: true, force: true });
    execFileSync('sync');
    const ferry = await bundle();
    if (ferry.code !== 0) throw new Error(`ferry failed: ${ferry.stderr}`);
    if (!existsSync(join(out, 'SHA256SUMS'))) throw new Error('ferry left no SHA256SUMS');
    await rm(out, { recursive: true, force: true });
    execFileSync('sync');
    const floor = await timedCommand('sh', ['-c', 'out="$1"; shift; cat "$@" > "$out" && openssl dgst -sha256 "$@" > /dev/null', 'sh', floorOut, ...files]);
    if (floor.code !== 0) throw new Error(`floor failed: ${floor.stderr}`);
    await rm(floorOut, { force: true });
    const tags = await headTags(registry, seeded);
    best.ferry = Math.min(best.ferry, ferry.seconds);
    best.floor = Math.min(best.floor, floor.seconds);
    best.tags = Math.min(best.tags, tags);
    best.rss = Math.max(best.rss, ferry.peakRssMiB);
    console.log(`  run ${run}: ferry ${ferry.seconds.toFixed(2)} s (peak RSS ${ferry.peakRssMiB.toFixed(0)} MiB), cat + sha256 ${floor.seconds.toFixed(2)} s, tag HEADs ${tags.toFixed(2)} s`);
  }
  // CPU time (user + sys, children of a shell's `times`), less sensitive to other load than wall time: one more run each
  await rm(out, { recursive: true, force: true });
  const ferryCpu = await cpuSeconds([process.execPath, ...bundleArgs]);
  await rm(out, { recursive: true, force: true });
  const floorCpu = await cpuSeconds(['sh', '-c', 'out="$1"; shift; cat "$@" > "$out" && openssl dgst -sha256 "$@" > /dev/null', 'sh', floorOut, ...files]);
  await rm(floorOut, { force: true });
  // the least work a cached run must do: every blob read, written and hashed once, and every tag asked of the registry
  const judged = best.floor + best.tags;
  const ratio = best.ferry / judged;
  const rssMet = best.rss * 1.048576 <= 200;
  console.log(`${shape.label}, best of ${runs}: ferry ${best.ferry.toFixed(2)} s, floor (cat + openssl sha256) ${best.floor.toFixed(2)} s, tag HEADs ${best.tags.toFixed(2)} s`);
  console.log(
    `  from the cache / (cat + sha256 + ${seeded.images.length} tag HEAD${seeded.images.length === 1 ? '' : 's'})  ${ratio.toFixed(2)}×  (target ≤ ${TARGET.toFixed(2)}×; ` +
      `a cached run must still ask the registry for every tag: tags move) ${ratio <= TARGET ? 'met' : 'MISSED'}`,
  );
  console.log(`  from the cache / (cat + sha256) alone  ${(best.ferry / best.floor).toFixed(2)}×  (for context: the blob bytes alone, as if no tag were asked)`);
  console.log(`  CPU (user + sys): ferry ${ferryCpu.toFixed(2)} s, floor ${floorCpu.toFixed(2)} s (${(ferryCpu / floorCpu).toFixed(2)}×; ferry spreads its work over the cores, so on an idle machine its wall time is below its CPU time)`);
  console.log(`  peak RSS  ${best.rss.toFixed(0)} MiB (target ≤ 200 MB) ${rssMet ? 'met' : 'MISSED'}`);
  return ratio <= TARGET && rssMet;
}

async function main(): Promise<void> {
  const runs = Math.max(1, Number(process.env.FERRY_BENCH_RUNS ?? 3));
  const wanted = (process.env.FERRY_BENCH_SHAPES ?? 'a,b,c').split(',').map((s) => s.trim());
  const cli = process.env.FERRY_BENCH_CLI ?? join(root, 'bin', 'ferry.js');
  const work = await mkdtemp(join(tmpdir(), 'ferry-cache-bench-'));
  const registry = await startRegistry({ auth: 'none' });
  try {
    const results: string[] = [];
    for (const shape of SHAPES.filter((s) => wanted.includes(s.key))) {
      results.push(`${shape.label}: ${(await runShape(shape, registry, work, runs, cli)) ? 'met' : 'MISSED'}`);
    }
    console.log(`\nbundle from the cache ≤ ${TARGET}× cat + sha256 + a HEAD of every tag, RSS ≤ 200 MB — ${results.join('; ')}`);
  } finally {
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
