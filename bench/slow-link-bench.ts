// `npm run bench`, "beyond loopback: slow links": an image of large random layers on a real docker-registry, in two
// shapes (one 128 MiB layer; three 64 MiB layers, which two blobs at a time share the host's slots), reached through
// the harness's throttling proxy (each connection capped, a round trip of latency added), fetched by
//
//   ferry     `ferry bundle … --no-cache` (large blobs as parallel Range requests: as many streams as the host has
//             slots, 8 for bundle; the bench prints how many it opened)
//   floor     one plain GET per blob, every blob at once, each hashed (the best one stream per blob can do: with
//             three layers, three streams, so the target against it is N / 3)
//   skopeo    `skopeo copy docker://… oci-archive:…`
//
// Target: ferry beats the floor and skopeo by about the number of streams N it opens ("met" at 0.8 N or more). Also
// printed, to show where the rest goes: ferry's fixed cost (the same command for a 1 KiB image through the same proxy:
// start, manifest and config round trips, writing the bundle), its transfer alone (first ranged request to the last
// one's end, from the proxy's log) against the floor, the ranges in flight on average over it, and ferry's peak RSS
// (target ≤ 200 MB). Each shape starts with one untimed ferry run (the first fetch after the push ran up to 1.5× slower
// for every build, old and new alike). Timing does not change the exit code (a busy machine is not a regression), a
// wrong digest does.
//
//   npm run build && node dist/bench/slow-link-bench.js
//
// Environment: FERRY_BENCH_SLOW_MIB (default 128) the size of the one-layer shape (the other has three layers of half
// that, at least 32 MiB); FERRY_BENCH_SLOW_MBPS (default 20) per-connection cap in MB/s; FERRY_BENCH_SLOW_LATENCY_MS (default 20);
// FERRY_BENCH_RUNS (default 1).
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { buildSingleImage, imageBlobs, makeRandomLayer, pushImage, skopeo, startRegistry, startThrottleProxy, type RegistryHandle, type ThrottleProxy } from '../e2e/harness/index.js';
import { timedCommand } from './timed-command.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const MIB = 1024 * 1024;

/** Runs a command to its end; seconds taken and the tail of stderr. */
const timed = (cmd: string, args: string[]) => timedCommand(cmd, args);

/** One GET per blob, all at once, each hashed and checked: the one-stream-per-blob floor. */
async function oneStreamPerBlob(host: string, repository: string, blobs: { digest: string }[]): Promise<number> {
  const agent = new Agent({ connections: blobs.length });
  const started = performance.now();
  await Promise.all(
    blobs.map(async (blob) => {
      const res = await request(`http://${host}/v2/${repository}/blobs/${blob.digest}`, { dispatcher: agent });
      const hash = createHash('sha256');
      for await (const chunk of res.body) hash.update(chunk as Buffer);
      if (`sha256:${hash.digest('hex')}` !== blob.digest) throw new Error(`floor: ${blob.digest} did not verify`);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await agent.close();
  return seconds;
}

/** What one shape needs: the registry behind the proxy, the proxy, the CLI and a work folder. */
interface SlowLinkSetup {
  registry: RegistryHandle;
  proxy: ThrottleProxy;
  cli: string;
  work: string;
  mbps: number;
  runs: number;
}

/** Times ferry, the one-stream floor and skopeo on an image of `layerMiB` layers (pushed as `bench/NAME:1`) and prints the verdicts. */
async function runShape(setup: SlowLinkSetup, name: string, layerMiB: number[]): Promise<void> {
  const { registry, proxy, cli, work, mbps, runs } = setup;
  const layers = [];
  for (const [i, size] of layerMiB.entries()) layers.push(await makeRandomLayer(size * MIB, { name: `data/${name}-${i}.bin` }));
  const built = buildSingleImage('oci', { os: 'linux', architecture: 'amd64' }, layers);
  await pushImage(registry, `bench/${name}`, '1', built);
  const blobs = [...imageBlobs(built).values()].map((b) => ({ digest: b.digest, size: b.size }));
  const image = `bench/${name}:1`;
  console.log(`\n${layerMiB.length === 1 ? 'one' : layerMiB.length} layer${layerMiB.length === 1 ? '' : 's'} of ${layerMiB[0]} MiB:`);
  const best = { ferry: Infinity, floor: Infinity, skopeo: Infinity, ranged: 0, fixed: Infinity, transfer: Infinity, inFlight: 0, rss: 0 };
  const bundle = async (ref: string, out: string) => {
    const run = await timed(process.execPath, [cli, 'bundle', `${proxy.host}/${ref}`, '-o', out, '--no-cache', '--insecure-registry', proxy.host, '--json']);
    if (run.code !== 0) throw new Error(`ferry failed: ${run.stderr}`);
    await rm(out, { recursive: true, force: true });
    return run;
  };
  await bundle(image, join(work, `warm-${name}`));
  for (let run = 1; run <= runs; run++) {
    proxy.reset();
    const ferry = await bundle(image, join(work, `ferry-${run}`));
    best.ferry = Math.min(best.ferry, ferry.seconds);
    best.ranged = Math.max(best.ranged, proxy.peakConcurrentRanged);
    best.rss = Math.max(best.rss, ferry.peakRssMiB);
    const ranged = proxy.log.filter((r) => r.range !== undefined && r.endedMs !== undefined);
    if (ranged.length === 0) continue;
    const from = Math.min(...ranged.map((r) => r.startedMs));
    const to = Math.max(...ranged.map((r) => r.endedMs!));
    const transfer = (to - from) / 1000;
    const inFlight = ranged.reduce((sum, r) => sum + (r.endedMs! - r.startedMs), 0) / (to - from);
    if (transfer < best.transfer) Object.assign(best, { transfer, inFlight });
    const fixed = (await bundle('bench/tiny:1', join(work, `tiny-${run}`))).seconds;
    best.fixed = Math.min(best.fixed, fixed);

    const floor = await oneStreamPerBlob(proxy.host, `bench/${name}`, blobs);
    best.floor = Math.min(best.floor, floor);

    const archive = join(work, `skopeo-${run}.tar`);
    const started = performance.now();
    const r = await skopeo(['copy', '--src-tls-verify=false', `docker://${proxy.host}/${image}`, `oci-archive:${archive}:latest`], { timeoutMs: 600_000 });
    if (r.code !== 0) throw new Error(`skopeo failed: ${r.stderr}`);
    const skopeoSeconds = (performance.now() - started) / 1000;
    best.skopeo = Math.min(best.skopeo, skopeoSeconds);
    await rm(archive, { force: true });
    console.log(
      `run ${run}: ferry ${ferry.seconds.toFixed(2)} s (${ranged.length} ranges, ${proxy.peakConcurrentRanged} at once, transfer ${transfer.toFixed(2)} s with ${inFlight.toFixed(1)} in flight on average; fixed cost ${fixed.toFixed(2)} s), floor ${floor.toFixed(2)} s, skopeo ${skopeoSeconds.toFixed(2)} s`,
    );
  }
  const streams = best.ranged;
  if (streams === 0) {
    // nothing to judge: no verdict may pass on an empty list
    console.log(`  ferry ${best.ferry.toFixed(2)} s with no ranged request (layers below the 32 MiB range threshold?): MISSED, no parallel ranges to judge`);
    return;
  }
  // the floor opens one stream per layer, all at once: against it, ferry's streams count per layer
  const floorStreams = layerMiB.length;
  const verdict = (ratio: number, target: number) => `${(ratio / target).toFixed(2)} of ${target.toFixed(1)}: ${ratio >= 0.8 * target ? 'met' : 'MISSED'}`;
  const vsFloor = best.floor / best.ferry;
  const vsSkopeo = best.skopeo / best.ferry;
  const ideal = blobs.reduce((sum, b) => sum + b.size, 0) / (streams * mbps * 1_000_000);
  console.log(`  ferry ${best.ferry.toFixed(2)} s, ${streams} streams opened (ranged requests at once), peak RSS ${best.rss.toFixed(0)} MiB (target ≤ 200 MB: ${best.rss * 1.048576 <= 200 ? 'met' : 'MISSED'})`);
  const vsFloorTarget = streams / floorStreams;
  console.log(`  floor / ferry    ${vsFloor.toFixed(2)}×  (target about ${streams} streams / ${floorStreams}; ${verdict(vsFloor, vsFloorTarget)})`);
  console.log(`  skopeo / ferry   ${vsSkopeo.toFixed(2)}×  (target about ${streams}×; ${verdict(vsSkopeo, streams)})`);
  console.log(`  where it goes:   fixed cost ${best.fixed.toFixed(2)} s (a 1 KiB image the same way); transfer ${best.transfer.toFixed(2)} s against ${ideal.toFixed(2)} s for ${streams} full streams (${best.inFlight.toFixed(1)} in flight on average)`);
  console.log(`  transfer alone:  floor / transfer ${(best.floor / best.transfer).toFixed(2)}×  (target about ${streams} streams / ${floorStreams}; ${verdict(best.floor / best.transfer, vsFloorTarget)})`);
}

async function main(): Promise<void> {
  const mib = Number(process.env.FERRY_BENCH_SLOW_MIB ?? 128);
  const mbps = Number(process.env.FERRY_BENCH_SLOW_MBPS ?? 20);
  const latencyMs = Number(process.env.FERRY_BENCH_SLOW_LATENCY_MS ?? 20);
  const runs = Math.max(1, Number(process.env.FERRY_BENCH_RUNS ?? 1));
  const work = await mkdtemp(join(tmpdir(), 'ferry-slow-bench-'));
  const registry = await startRegistry({ auth: 'none', tls: false });
  const proxy = await startThrottleProxy(registry.url, { bytesPerSecond: mbps * 1_000_000, latencyMs });
  try {
    const tiny = buildSingleImage('oci', { os: 'linux', architecture: 'amd64' }, [await makeRandomLayer(1024, { name: 'data/tiny.bin' })]);
    await pushImage(registry, 'bench/tiny', '1', tiny);
    console.log(`slow link: each connection capped at ${mbps} MB/s with ${latencyMs} ms latency`);
    const cli = process.env.FERRY_BENCH_CLI ?? join(root, 'bin', 'ferry.js');
    const setup = { registry, proxy, cli, work, mbps, runs };
    await runShape(setup, 'slow', [mib]);
    // three layers of half the size, never below the 32 MiB from which blobs are fetched in ranges
    const half = Math.max(32, mib / 2);
    await runShape(setup, 'three', [half, half, half]);
  } finally {
    await proxy.stop();
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
