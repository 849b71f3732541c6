// How fast `ferry serve` hands out blobs: the same blobs pulled with 4 concurrent curl clients from the built
// `ferry serve` of a bundle and from `docker-registry` holding the same images, best of FERRY_BENCH_RUNS (default 3),
// interleaved, twice: first pulls (a fresh server each run, so every blob is hashed on a worker thread as it is sent;
// docker-registry hashes nothing) and repeat pulls (one server whose blobs were proven by an earlier pull, so they are
// sent unhashed while their files keep their identity). Prints both throughputs and their ratio for each (the target,
// throughput ≥ docker-registry's, a ratio ≤ 1.0×, judges the repeat pulls), the CPU each server used per pull (from
// /proc: steadier than wall time on a busy machine; ferry's main thread apart) and ferry serve's peak RSS.
//
//   npm run build && node dist/bench/serve-bench.js
//
// Then the metadata clients ask for with many images (FERRY_BENCH_SMALL_IMAGES, default 300, each in its own
// repository): the catalog, every repository's tags/list and every manifest by tag, one request at a time over a
// kept-alive connection, from both servers; prints the mean latency of each and the ratio.
//
// FERRY_BENCH_MIB (default 512) sizes the seeded images; FERRY_BENCH_CLI times another built entry;
// FERRY_BENCH_SERVE_ONLY=blobs|metadata runs one half; FERRY_BENCH_SERVE_PROF=DIR writes serve's CPU profile there.
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { readdir, readFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seedBenchImages, seedSmallImages, startRegistry, type BenchImage } from '../e2e/harness/index.js';

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

/** CPU seconds (user + system) a process (every thread), or one of its threads, has used so far, from /proc; NaN where it cannot be read. */
async function cpuSeconds(pid: number | undefined, thread?: number): Promise<number> {
  if (pid === undefined) return NaN;
  try {
    const stat = await readFile(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux)
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** The pid of the process whose command line holds `needle` (the registry started with its own config file). */
async function pidWith(needle: string): Promise<number | undefined> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(needle)) return Number(entry);
  }
  return undefined;
}

/** Starts the built `ferry serve DIR` and resolves its URL, its pid and a stop function. */
function startServe(cli: string, dir: string): Promise<{ url: string; pid: number | undefined; stop: () => Promise<void> }> {
  // FERRY_BENCH_SERVE_PROF=DIR: a CPU profile of the serve process, written when it stops (SIGTERM ends it cleanly)
  const prof = process.env.FERRY_BENCH_SERVE_PROF;
  const child = spawn(process.execPath, [...(prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []), cli, 'serve', dir, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
      if (m) resolve({ url: m[1]!, pid: child.pid, stop });
    });
    child.once('exit', () => reject(new Error(`ferry serve exited early: ${stderr}`)));
  });
}

/** The manifest types a pulling client (skopeo, containerd) accepts. */
const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** GETs `url` over `agent`; the status and body. */
function get(agent: Agent, url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end();
  });
}

/** Mean milliseconds per request of the catalog, each tags/list and each manifest by tag, one request at a time. */
async function metadataLoop(base: string, images: BenchImage[]): Promise<{ catalog: number; tags: number; manifests: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const expect = async (url: string, headers?: Record<string, string>): Promise<Buffer> => {
      const r = await get(agent, url, headers);
      if (r.status !== 200) throw new Error(`${url}: ${r.status} ${r.body.toString().slice(0, 200)}`);
      return r.body;
    };
    let started = performance.now();
    for (let i = 0; i < 10; i++) await expect(`${base}/v2/_catalog?n=1000`);
    const catalog = (performance.now() - started) / 10;
    started = performance.now();
    for (const image of images) await expect(`${base}/v2/${image.repository}/tags/list`);
    const tags = (performance.now() - started) / images.length;
    started = performance.now();
    for (const image of images) {
      const body = await expect(`${base}/v2/${image.repository}/manifests/${image.tag}`, { accept: MANIFEST_ACCEPT });
      if (!body.equals(image.manifestBytes)) throw new Error(`${base}: manifest of ${image.ref} differs from what was pushed`);
    }
    const manifests = (performance.now() - started) / images.length;
    return { catalog, tags, manifests };
  } finally {
    agent.destroy();
  }
}

/** The metadata half: many small images bundled, served, and asked for by a client one request at a time. */
async function metadataBench(options: { registry: Awaited<ReturnType<typeof startRegistry>>; cli: string; work: string; runs: number }): Promise<void> {
  const { registry, cli, work, runs } = options;
  const count = Math.max(1, Number(process.env.FERRY_BENCH_SMALL_IMAGES ?? 300));
  const seeded = await seedSmallImages(registry, { imageCount: count, layersPerImage: 1, layerBytes: 4096, baseBytes: 64 * 1024, repositoryPrefix: 'meta' });
  const dir = join(work, 'metadata-bundle');
  await run(process.execPath, [cli, 'bundle', ...seeded.images.map((i) => `${registry.host}/${i.ref}`), '-o', dir, '--no-cache', '--insecure-registry', registry.host, '--json']);
  const served = await startServe(cli, dir);
  try {
    const best = { ferry: { catalog: Infinity, tags: Infinity, manifests: Infinity }, registry: { catalog: Infinity, tags: Infinity, manifests: Infinity } };
    const keep = (into: typeof best.ferry, got: typeof best.ferry): void => {
      for (const key of ['catalog', 'tags', 'manifests'] as const) into[key] = Math.min(into[key], got[key]);
    };
    // one untimed round each: connections, caches and the page cache warm on both sides
    await metadataLoop(served.url, seeded.images);
    await metadataLoop(registry.url, seeded.images);
    for (let i = 0; i < runs; i++) {
      keep(best.ferry, await metadataLoop(served.url, seeded.images));
      keep(best.registry, await metadataLoop(registry.url, seeded.images));
    }
    console.log(`serve metadata: ${count} images in ${count} repositories, one request at a time, mean per request, best of ${runs}:`);
    const rows: [string, 'catalog' | 'tags' | 'manifests'][] = [
      ['_catalog?n=1000', 'catalog'],
      ['tags/list', 'tags'],
      ['manifest by tag', 'manifests'],
    ];
    for (const [label, key] of rows) {
      const ratio = best.ferry[key] / best.registry[key];
      console.log(`  ${label.padEnd(16)} ferry serve ${best.ferry[key].toFixed(2)} ms, docker-registry ${best.registry[key].toFixed(2)} ms: ${ratio.toFixed(2)}× (target ≤ 1.50×): ${ratio <= 1.5 ? 'met' : 'MISSED'}`);
    }
  } finally {
    await served.stop();
  }
}

/** One timed pull: wall seconds, and the CPU seconds the server used (all threads, and its main thread). */
interface Pull {
  wall: number;
  cpu: number;
  main: number;
}

/** The least wall and CPU seconds of several pulls. */
class Best implements Pull {
  wall = Infinity;
  cpu = Infinity;
  main = Infinity;

  /** Keeps the least of each figure; returns the pull. */
  add(pull: Pull): Pull {
    this.wall = Math.min(this.wall, pull.wall);
    this.cpu = Math.min(this.cpu, pull.cpu);
    this.main = Math.min(this.main, pull.main);
    return pull;
  }
}

/** `0.56 s (0.90 s CPU, main thread 0.40 s)`. */
function describePull(pull: Pull): string {
  return `${pull.wall.toFixed(2)} s (${pull.cpu.toFixed(2)} s CPU, main thread ${pull.main.toFixed(2)} s)`;
}

/** Waits until every file under `dir` was last changed at least `ms` ago (a bundle carried on media has long settled). */
async function settle(dir: string, ms: number): Promise<void> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  const changed = Math.max(...(await Promise.all(files.map(async (f) => (await stat(f)).ctimeMs))));
  const wait = changed + ms - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

async function main(): Promise<void> {
  const mib = Number(process.env.FERRY_BENCH_MIB ?? 512);
  const runs = Math.max(1, Number(process.env.FERRY_BENCH_RUNS ?? 3));
  const only = process.env.FERRY_BENCH_SERVE_ONLY;
  const cli = process.env.FERRY_BENCH_CLI ?? join(root, 'dist', 'ferry.mjs'); // `npm run build` first
  const work = await mkdtemp(join(tmpdir(), 'ferry-serve-bench-'));
  const registry = await startRegistry({ auth: 'none' });
  let served: { url: string; pid: number | undefined; stop: () => Promise<void> } | undefined;
  try {
    if (only !== 'metadata') await blobBench();
    if (only !== 'blobs') await metadataBench({ registry, cli, work, runs });
  } finally {
    await served?.stop();
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  }

  /** The blob half: the same blobs pulled from both servers. */
  async function blobBench(): Promise<void> {
    const seeded = await seedBenchImages(registry, mib * MIB, { imageCount: 4 });
    const blobs = new Map<string, BlobPath>();
    for (const image of seeded.images) {
      for (const blob of [image.config, ...image.layers]) {
        if (!blobs.has(blob.digest)) blobs.set(blob.digest, { path: `/v2/${image.repository}/blobs/${blob.digest}`, size: blob.size });
      }
    }
    const dir = join(work, 'bundle');
    await run(process.execPath, [cli, 'bundle', ...seeded.images.map((i) => `${registry.host}/${i.ref}`), '-o', dir, '--no-cache', '--insecure-registry', registry.host, '--json']);
    const list = [...blobs.values()];
    const total = list.reduce((sum, b) => sum + b.size, 0);
    const registryPid = await pidWith(registry.configFile);
    // docker-registry's side is read once before timing (page cache warm; ferry's was just written and is verified at start)
    await pullAll(registry.url, list);
    /** A timed pull, with the CPU seconds the server used meanwhile (less noisy than wall time on a busy machine). */
    const timed = async (url: string, pid: number | undefined): Promise<Pull> => {
      const before = [await cpuSeconds(pid), await cpuSeconds(pid, pid)];
      const wall = await pullAll(url, list);
      return { wall, cpu: (await cpuSeconds(pid)) - before[0]!, main: (await cpuSeconds(pid, pid)) - before[1]! };
    };
    const first = { ferry: new Best(), registry: new Best() };
    const repeat = { ferry: new Best(), registry: new Best() };
    // first pulls: a fresh server each run, so every blob is hashed as it is sent (nothing proven yet)
    for (let i = 1; i <= runs; i++) {
      const fresh = await startServe(cli, dir);
      try {
        const ferry = first.ferry.add(await timed(fresh.url, fresh.pid));
        const reg = first.registry.add(await timed(registry.url, registryPid));
        console.log(`first pull ${i}: ferry serve ${describePull(ferry)}, docker-registry ${describePull(reg)}`);
      } finally {
        await fresh.stop();
      }
    }
    // repeat pulls: one server, every blob proven by an untimed pull first; a file changed within 3 s is never trusted
    // by its identity (a change in the same timestamp tick would not show), so the bundle is let settle that long
    await settle(dir, 3_500);
    served = await startServe(cli, dir);
    await pullAll(served.url, list);
    for (let i = 1; i <= runs; i++) {
      const ferry = repeat.ferry.add(await timed(served.url, served.pid));
      const reg = repeat.registry.add(await timed(registry.url, registryPid));
      console.log(`repeat pull ${i}: ferry serve ${describePull(ferry)}, docker-registry ${describePull(reg)}`);
    }
    const rate = (s: number): string => `${(total / MIB / s).toFixed(0)} MiB/s`;
    const line = (label: string, pair: { ferry: Best; registry: Best }): { ratio: number; text: string } => {
      const ratio = pair.ferry.wall / pair.registry.wall;
      return { ratio, text: `  ${label.padEnd(13)} ferry serve ${pair.ferry.wall.toFixed(2)} s (${rate(pair.ferry.wall)}), docker-registry ${pair.registry.wall.toFixed(2)} s (${rate(pair.registry.wall)}): ${ratio.toFixed(2)}× the time` };
    };
    console.log(`serve: ${list.length} blobs, ${(total / MIB).toFixed(0)} MiB, ${CLIENTS} curl clients, best of ${runs}:`);
    const firstLine = line('first pull', first);
    console.log(`${firstLine.text} — every byte hashed once, the profile limit (no target: docker-registry hashes nothing)`);
    const repeatLine = line('repeat pulls', repeat);
    console.log(`${repeatLine.text} (target ≤ 1.00×: throughput ≥ docker-registry's): repeat pulls: ${repeatLine.ratio <= 1 ? 'met' : 'MISSED'}`);
    const load = (await readFile('/proc/loadavg', 'utf8')).split(' ')[0];
    console.log(
      `  server CPU per pull (least): ferry serve first ${first.ferry.cpu.toFixed(2)} s (main thread ${first.ferry.main.toFixed(2)} s), repeat ${repeat.ferry.cpu.toFixed(2)} s (main thread ${repeat.ferry.main.toFixed(2)} s); docker-registry ${repeat.registry.cpu.toFixed(2)} s (load average ${load})`,
    );
    const status = await readFile(`/proc/${served.pid}/status`, 'utf8').catch(() => '');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    if (hwm) console.log(`  ferry serve peak RSS ${(Number(hwm[1]) / 1024).toFixed(0)} MiB (target ≤ 200 MB: ${Number(hwm[1]) * 1024 <= 200e6 ? 'met' : 'MISSED'})`);
    await served.stop();
    served = undefined;
  }
}

await main();
