// How fast `ferry serve` hands out blobs: the same blobs pulled with 4 concurrent curl clients from the built
// `ferry serve` of a bundle and from `docker-registry` holding the same images, best of FERRY_BENCH_RUNS (default 3),
// interleaved; prints both throughputs and their ratio (target: ferry ≥ docker-registry, a ratio ≤ 1.0×).
//
//   npm run build && node dist/bench/serve-bench.js
//
// FERRY_BENCH_MIB (default 512) sizes the seeded images; FERRY_BENCH_CLI times another built entry.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seedBenchImages, startRegistry } from '../e2e/harness/index.js';

const root = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../..' : '..', import.meta.url));
const MIB = 1024 * 1024;
const CLIENTS = 4;

/** One blob to pull: where it is and how big. */
interface BlobPath {
  path: string;
  size: number;
}

/** Runs a command to its end; rejects with its stderr when it fails. */
function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${cmd} ${args.slice(0, 3).join(' ')} exited ${code}: ${stderr}`))));
  });
}

/** Pulls every blob from `base` with CLIENTS curl processes, each taking the next blob; wall seconds. */
async function pullAll(base: string, blobs: BlobPath[]): Promise<number> {
  const queue = [...blobs];
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (let blob = queue.shift(); blob; blob = queue.shift()) {
      const got = await run('curl', ['-sf', '-o', '/dev/null', '-w', '%{size_download}', `${base}${blob.path}`]);
      if (Number(got) !== blob.size) throw new Error(`${base}${blob.path}: ${got} of ${blob.size} bytes`);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, worker));
  return (performance.now() - started) / 1000;
}

/** Starts the built `ferry serve DIR` and resolves its URL and a stop function. */
function startServe(cli: string, dir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [cli, 'serve', dir, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }
    });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (m) resolve({ url: m[1]!, stop });
    });
    child.once('exit', () => reject(new Error(`ferry serve exited early: ${stderr}`)));
  });
}

async function main(): Promise<void> {
  const mib = Number(process.env.FERRY_BENCH_MIB ?? 512);
  const runs = Math.max(1, Number(process.env.FERRY_BENCH_RUNS ?? 3));
  const cli = process.env.FERRY_BENCH_CLI ?? join(root, 'dist', 'ferry.mjs'); // `npm run build` first
  const work = await mkdtemp(join(tmpdir(), 'ferry-serve-bench-'));
  const registry = await startRegistry({ auth: 'none' });
  let served: { url: string; stop: () => Promise<void> } | undefined;
  try {
    const seeded = await seedBenchImages(registry, mib * MIB, { imageCount: 4 });
    const blobs = new Map<string, BlobPath>();
    for (const image of seeded.images) {
      for (const blob of [image.config, ...image.layers]) {
        if (!blobs.has(blob.digest)) blobs.set(blob.digest, { path: `/v2/${image.repository}/blobs/${blob.digest}`, size: blob.size });
      }
    }
    const dir = join(work, 'bundle');
    await run(process.execPath, [cli, 'bundle', ...seeded.images.map((i) => `${registry.host}/${i.ref}`), '-o', dir, '--no-cache', '--insecure-registry', registry.host, '--json']);
    served = await startServe(cli, dir);
    const list = [...blobs.values()];
    const total = list.reduce((sum, b) => sum + b.size, 0);
    const best = { ferry: Infinity, registry: Infinity };
    // the first ferry pull also proves each blob whole; both sides are read once before timing (page cache warm)
    await pullAll(served.url, list);
    await pullAll(registry.url, list);
    for (let i = 1; i <= runs; i++) {
      const ferry = await pullAll(served.url, list);
      const reg = await pullAll(registry.url, list);
      best.ferry = Math.min(best.ferry, ferry);
      best.registry = Math.min(best.registry, reg);
      console.log(`run ${i}: ferry serve ${ferry.toFixed(2)} s, docker-registry ${reg.toFixed(2)} s`);
    }
    const rate = (s: number): string => `${(total / MIB / s).toFixed(0)} MiB/s`;
    console.log(`serve: ${list.length} blobs, ${(total / MIB).toFixed(0)} MiB, ${CLIENTS} curl clients, best of ${runs}:`);
    console.log(`  ferry serve      ${best.ferry.toFixed(2)} s  ${rate(best.ferry)}`);
    console.log(`  docker-registry  ${best.registry.toFixed(2)} s  ${rate(best.registry)}`);
    console.log(`  ratio (time)     ${(best.ferry / best.registry).toFixed(2)}×  (target ≤ 1.00×: throughput ≥ docker-registry's)`);
  } finally {
    await served?.stop();
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
