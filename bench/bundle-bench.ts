// `npm run bench`: how fast and how lean `ferry bundle` is from a loopback registry, in the three shapes of issue 17,
// each against the least work a verified bundle needs and against `skopeo sync`, measured in the same run.
//
//   (a) one image of FERRY_BENCH_MIB (default 512) MiB in 32 MiB layers
//   (b) one image of 40 layers × 20 MiB (scaled by FERRY_BENCH_MIB / 512)
//   (c) 300 small images (a few ~100 KiB layers each on one of 6 shared 2 MiB bases)
//
// Contenders, one after another in each run, each after `sync` (so no one pays for another's dirty pages being
// written back) and with the previous outputs deleted:
//   ferry     the built CLI (`ferry bundle … --no-cache`), peak RSS read from /proc
//   floor     in this process: every manifest GET + sha256, then every distinct blob GET (8 at a time) + one sha256 +
//             written to its own place in one file (in ~1 MiB writes): the least work a verified bundle needs
//   skopeo    `skopeo sync --src yaml --dest dir` of exactly the same images (one process, a YAML list of them)
//
// Targets: ferry ≤ 1.2× the floor and faster than skopeo sync in every shape; peak RSS ≤ 200 MB.
// Environment: FERRY_BENCH_SHAPES (default a,b,c) picks shapes; FERRY_BENCH_MIB scales (a) and (b);
// FERRY_BENCH_IMAGES the image count of (c); FERRY_BENCH_RUNS (default 2) the runs per contender (the best is
// reported); FERRY_BENCH_CLI the CLI to time (default bin/ferry.js).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { seedBenchImages, seedSmallImages, startRegistry, skopeo, type BenchImages, type RegistryHandle } from '../e2e/harness/index.js';
import { timedCommand } from './timed-command.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const MIB = 1024 * 1024;
const MANIFEST_ACCEPT = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'].join(', ');

interface Shape {
  key: string;
  label: string;
  seed: (registry: RegistryHandle) => Promise<BenchImages>;
}

/** Flushes dirty pages to disk, so the next contender starts from the same clean page cache. */
const settle = (): void => void spawnSync('sync');

/**
 * The floor: every manifest GET and sha256-checked, then every distinct blob GET 8 at a time, each sha256-hashed once
 * and written to its own place in one file.
 */
async function floor(registry: RegistryHandle, seeded: BenchImages, file: string): Promise<number> {
  const agent = new Agent({ connections: 8 });
  const out = await open(file, 'w+');
  const distinct = new Map<string, { digest: string; size: number; repository: string }>();
  for (const image of seeded.images) {
    for (const blob of [image.config, ...image.layers]) if (!distinct.has(blob.digest)) distinct.set(blob.digest, { ...blob, repository: image.repository });
  }
  const blobs = [...distinct.values()];
  const offsets: number[] = [];
  blobs.reduce((offset, b, i) => ((offsets[i] = offset), offset + b.size), 0);
  const eight = async <T>(items: T[], fn: (item: T, i: number) => Promise<void>): Promise<void> => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < items.length) {
          const i = next++;
          await fn(items[i]!, i);
        }
      }),
    );
  };
  const started = performance.now();
  await eight(seeded.images, async (image) => {
    const res = await request(`${registry.url}/v2/${image.repository}/manifests/${image.tag}`, { dispatcher: agent, headers: { accept: MANIFEST_ACCEPT } });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    if (`sha256:${createHash('sha256').update(bytes).digest('hex')}` !== image.digest) throw new Error(`floor: manifest of ${image.ref} did not verify`);
  });
  await eight(blobs, async (blob, i) => {
    const res = await request(`${registry.url}/v2/${blob.repository}/blobs/${blob.digest}`, { dispatcher: agent });
    const hash = createHash('sha256');
    let position = offsets[i]!;
    // written in batches of about 1 MiB, as Ferry writes: the floor is the least work, not the most system calls
    let batch: Buffer[] = [];
    let batched = 0;
    for await (const chunk of res.body) {
      const data = chunk as Buffer;
      hash.update(data);
      batch.push(data);
      batched += data.length;
      if (batched >= MIB) {
        await out.writev(batch, position);
        position += batched;
        batch = [];
        batched = 0;
      }
    }
    if (batched > 0) await out.writev(batch, position);
    if (`sha256:${hash.digest('hex')}` !== blob.digest) throw new Error(`floor: ${blob.digest} did not verify`);
  });
  const seconds = (performance.now() - started) / 1000;
  await out.close();
  await agent.close();
  return seconds;
}

/** `skopeo sync` of exactly the seeded images (a YAML list naming each repository and tag), to `dir:` folders. */
async function skopeoSync(registry: RegistryHandle, seeded: BenchImages, work: string, dest: string): Promise<number> {
  const list = join(work, 'skopeo-sync.yaml');
  const images = seeded.images.map((i) => `    ${i.repository}: [${i.tag}]`).join('\n');
  await writeFile(list, `${registry.host}:\n  tls-verify: false\n  images:\n${images}\n`);
  const started = performance.now();
  const r = await skopeo(['sync', '--scoped', '--src', 'yaml', '--dest', 'dir', list, dest], { timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`skopeo sync failed: ${r.stderr}`);
  return (performance.now() - started) / 1000;
}

async function benchShape(shape: Shape, registry: RegistryHandle, work: string, runs: number): Promise<string[]> {
  console.log(`\n${shape.label}: seeding …`);
  const seeded = await shape.seed(registry);
  const blobCount = new Set(seeded.images.flatMap((i) => [i.config.digest, ...i.layers.map((l) => l.digest)])).size;
  console.log(`  ${seeded.images.length} image(s), ${blobCount} distinct blobs, ${(seeded.distinctBlobBytes / MIB).toFixed(0)} MiB, seeded in ${(seeded.elapsedMs / 1000).toFixed(1)} s`);
  const refs = seeded.images.map((i) => `${registry.host}/${i.ref}`);
  const best = { ferry: Infinity, floor: Infinity, skopeo: Infinity, rss: 0 };
  const ferryOut = join(work, 'ferry');
  const floorFile = join(work, 'floor.bin');
  const skopeoOut = join(work, 'skopeo');
  const clean = async (): Promise<void> => {
    await Promise.all([ferryOut, floorFile, skopeoOut].map((p) => rm(p, { recursive: true, force: true })));
    settle();
  };
  for (let run = 1; run <= runs; run++) {
    await clean();
    const floorSeconds = await floor(registry, seeded, floorFile);
    await clean();
    const bundleWith = async (cli: string): Promise<Awaited<ReturnType<typeof timedCommand>>> => {
      const r = await timedCommand(process.execPath, [cli, 'bundle', ...refs, '-o', ferryOut, '--no-cache', '--insecure-registry', registry.host, '--json']);
      if (r.code !== 0) throw new Error(`ferry failed: ${r.stderr}`);
      await clean();
      return r;
    };
    const ferry = await bundleWith(process.env.FERRY_BENCH_CLI ?? join(root, 'bin', 'ferry.js'));
    // FERRY_BENCH_CLI_B: another build timed in the same runs, right after (an A/B of two builds on a noisy machine)
    if (process.env.FERRY_BENCH_CLI_B) console.log(`  run ${run}: build B ${(await bundleWith(process.env.FERRY_BENCH_CLI_B)).seconds.toFixed(2)} s`);
    const skopeoSeconds = await skopeoSync(registry, seeded, work, skopeoOut);
    best.ferry = Math.min(best.ferry, ferry.seconds);
    best.floor = Math.min(best.floor, floorSeconds);
    best.skopeo = Math.min(best.skopeo, skopeoSeconds);
    best.rss = Math.max(best.rss, ferry.peakRssMiB);
    console.log(`  run ${run}: ferry ${ferry.seconds.toFixed(2)} s (peak RSS ${ferry.peakRssMiB.toFixed(0)} MiB), floor ${floorSeconds.toFixed(2)} s, skopeo sync ${skopeoSeconds.toFixed(2)} s`);
  }
  await clean();
  const vsFloor = best.ferry / best.floor;
  const vsSkopeo = best.ferry / best.skopeo;
  const rssMet = best.rss * 1.048576 <= 200;
  const mibps = (s: number): string => `${(seeded.distinctBlobBytes / MIB / s).toFixed(0)} MiB/s`;
  return [
    `${shape.label} — ${seeded.images.length} image(s), ${blobCount} blobs, ${(seeded.distinctBlobBytes / MIB).toFixed(0)} MiB; best of ${runs}:`,
    `  ferry bundle ${best.ferry.toFixed(2)} s (${mibps(best.ferry)}), floor ${best.floor.toFixed(2)} s (${mibps(best.floor)}), skopeo sync ${best.skopeo.toFixed(2)} s (${mibps(best.skopeo)})`,
    `  ferry / floor (GET + one sha256 + write)  ${vsFloor.toFixed(2)}×  (target ≤ 1.20×) ${vsFloor <= 1.2 ? 'met' : 'MISSED'}`,
    `  ferry / skopeo sync                       ${vsSkopeo.toFixed(2)}×  (target < 1.00×) ${vsSkopeo < 1 ? 'met' : 'MISSED'}`,
    `  ferry peak RSS                            ${best.rss.toFixed(0)} MiB (target ≤ 200 MB) ${rssMet ? 'met' : 'MISSED'}`,
  ];
}

async function main(): Promise<void> {
  const mib = Number(process.env.FERRY_BENCH_MIB ?? 512);
  const runs = Math.max(1, Number(process.env.FERRY_BENCH_RUNS ?? 2));
  const smallImages = Number(process.env.FERRY_BENCH_IMAGES ?? 300);
  const picked = new Set((process.env.FERRY_BENCH_SHAPES ?? 'a,b,c').split(',').map((s) => s.trim().toLowerCase()));
  const layer20 = Math.max(64 * 1024, Math.round((20 * MIB * mib) / 512));
  const all: Shape[] = [
    { key: 'a', label: `(a) one ${mib} MiB image`, seed: (r) => seedBenchImages(r, mib * MIB, { imageCount: 1, repositoryPrefix: 'shape-a' }) },
    {
      key: 'b',
      label: `(b) 40 layers × ${(layer20 / MIB).toFixed(0)} MiB`,
      seed: (r) => seedBenchImages(r, 40 * layer20, { imageCount: 1, maxLayerBytes: layer20, repositoryPrefix: 'shape-b' }),
    },
    { key: 'c', label: `(c) ${smallImages} small images`, seed: (r) => seedSmallImages(r, { imageCount: smallImages, repositoryPrefix: 'shape-c' }) },
  ];
  const shapes = all.filter((s) => picked.has(s.key));
  if (shapes.length === 0) throw new Error('FERRY_BENCH_SHAPES names no shape (a, b, c)');
  const work = await mkdtemp(join(tmpdir(), 'ferry-bench-'));
  const registry = await startRegistry({ auth: 'none' });
  const started = performance.now();
  const summary: string[] = [];
  try {
    for (const shape of shapes) summary.push(...(await benchShape(shape, registry, work, runs)));
  } finally {
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  }
  console.log(`\nbundle from a loopback registry (${((performance.now() - started) / 1000).toFixed(0)} s in all):`);
  for (const line of summary) console.log(line);
}

await main();
