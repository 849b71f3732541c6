// `npm run bench`: how fast and how lean `ferry bundle` is, against the tools users have today and
// against the raw network limit, in one run on a loopback registry.
//
//   ferry     the built CLI (`bin/ferry.js bundle … --no-cache`), peak RSS read from /proc
//   skopeo    `skopeo copy docker://… oci-archive:…` for each image, one after another
//   raw GET   every distinct blob GET in parallel (8 at a time) and discarded: the limit
//   raw GET + sha256 + write   the same, each blob verified and written to a file: the least
//             work a verified bundle needs (shown for context)
//
// Targets (issue "The engine and ferry bundle"): ferry ≤ 0.5× skopeo, ≤ 1.2× raw GET, ≤ 200 MB RSS.
// Environment: FERRY_BENCH_MIB (default 512) sets the seeded size; FERRY_BENCH_RUNS (default 2) the
// runs per contender (the best is reported).
import { createHash } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { seedBenchImages, startRegistry, skopeo, type RegistryHandle } from '../e2e/harness/index.js';
import { timedCommand } from './timed-command.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const MIB = 1024 * 1024;

/** Runs a command, sampling its peak RSS. */
const timed = (cmd: string, args: string[]) => timedCommand(cmd, args);

/**
 * Every blob GET 8 at a time. Plain: bytes discarded (the network limit). With `file`: each blob
 * also sha256-hashed and written to its own place in one file — the least work a verified bundle needs.
 */
async function rawGet(registry: RegistryHandle, blobs: { repository: string; digest: string; size: number }[], file?: string): Promise<number> {
  const agent = new Agent({ connections: 8 });
  const out = file ? await open(file, 'w+') : undefined;
  const offsets: number[] = [];
  blobs.reduce((offset, b, i) => ((offsets[i] = offset), offset + b.size), 0);
  const started = performance.now();
  let next = 0;
  let bytes = 0;
  const worker = async (): Promise<void> => {
    while (next < blobs.length) {
      const i = next++;
      const blob = blobs[i]!;
      const res = await request(`${registry.url}/v2/${blob.repository}/blobs/${blob.digest}`, { dispatcher: agent });
      const hash = out ? createHash('sha256') : undefined;
      let position = offsets[i]!;
      for await (const chunk of res.body) {
        bytes += (chunk as Buffer).length;
        if (out) {
          hash!.update(chunk as Buffer);
          await out.write(chunk as Buffer, 0, (chunk as Buffer).length, position);
          position += (chunk as Buffer).length;
        }
      }
      if (hash && `sha256:${hash.digest('hex')}` !== blob.digest) throw new Error(`raw GET: ${blob.digest} did not verify`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const seconds = (performance.now() - started) / 1000;
  await out?.close();
  await agent.close();
  if (bytes === 0) throw new Error('raw GET read nothing');
  return seconds;
}

async function main(): Promise<void> {
  const mib = Number(process.env.FERRY_BENCH_MIB ?? 512);
  const runs = Math.max(1, Number(process.env.FERRY_BENCH_RUNS ?? 2));
  const work = await mkdtemp(join(tmpdir(), 'ferry-bench-'));
  const registry = await startRegistry({ auth: 'none' });
  try {
    console.log(`seeding ${mib} MiB into ${registry.host} …`);
    const seeded = await seedBenchImages(registry, mib * MIB, { imageCount: 4 });
    console.log(`seeded ${seeded.images.length} images, ${(seeded.distinctBlobBytes / MIB).toFixed(0)} MiB distinct (${(seeded.referencedBytes / MIB).toFixed(0)} MiB referenced) in ${(seeded.elapsedMs / 1000).toFixed(1)} s`);
    const refs = seeded.images.map((i) => `${registry.host}/${i.ref}`);
    const distinct = new Map<string, { digest: string; size: number; repository: string }>();
    for (const image of seeded.images) {
      for (const blob of [image.config, ...image.layers]) if (!distinct.has(blob.digest)) distinct.set(blob.digest, { ...blob, repository: image.repository });
    }
    const blobs = [...distinct.values()];

    const best = { ferry: Infinity, skopeo: Infinity, raw: Infinity, rawWork: Infinity, rss: 0 };
    for (let run = 1; run <= runs; run++) {
      const raw = await rawGet(registry, blobs);
      best.raw = Math.min(best.raw, raw);
      const rawWork = await rawGet(registry, blobs, join(work, 'raw.bin'));
      best.rawWork = Math.min(best.rawWork, rawWork);
      await rm(join(work, 'raw.bin'));

      const out = join(work, `ferry-${run}`);
      const ferry = await timed(process.execPath, [process.env.FERRY_BENCH_CLI ?? join(root, 'bin', 'ferry.js'), 'bundle', ...refs, '-o', out, '--no-cache', '--insecure-registry', registry.host, '--json']);
      if (ferry.code !== 0) throw new Error(`ferry failed: ${ferry.stderr}`);
      best.ferry = Math.min(best.ferry, ferry.seconds);
      best.rss = Math.max(best.rss, ferry.peakRssMiB);
      await rm(out, { recursive: true, force: true });

      const skopeoStarted = performance.now();
      for (const [i, ref] of refs.entries()) {
        const r = await skopeo(['copy', '--src-tls-verify=false', `docker://${ref}`, `oci-archive:${join(work, `skopeo-${i}.tar`)}:latest`], { timeoutMs: 600_000 });
        if (r.code !== 0) throw new Error(`skopeo failed: ${r.stderr}`);
      }
      const skopeoSeconds = (performance.now() - skopeoStarted) / 1000;
      best.skopeo = Math.min(best.skopeo, skopeoSeconds);
      for (let i = 0; i < refs.length; i++) await rm(join(work, `skopeo-${i}.tar`), { force: true });
      console.log(`run ${run}: ferry ${ferry.seconds.toFixed(2)} s (peak RSS ${ferry.peakRssMiB.toFixed(0)} MiB), skopeo ${skopeoSeconds.toFixed(2)} s, raw GET ${raw.toFixed(2)} s, raw GET+hash+write ${rawWork.toFixed(2)} s`);
    }

    const mbps = (s: number): string => `${(seeded.distinctBlobBytes / MIB / s).toFixed(0)} MiB/s`;
    const rows = [
      ['ferry bundle', `${best.ferry.toFixed(2)} s`, mbps(best.ferry)],
      ['skopeo copy (each image)', `${best.skopeo.toFixed(2)} s`, mbps(best.skopeo)],
      ['raw parallel GET (limit)', `${best.raw.toFixed(2)} s`, mbps(best.raw)],
      ['raw GET + sha256 + write', `${best.rawWork.toFixed(2)} s`, mbps(best.rawWork)],
    ];
    console.log('\nbest of', runs, 'runs over', `${(seeded.distinctBlobBytes / MIB).toFixed(0)} MiB distinct blobs:`);
    for (const r of rows) console.log(`  ${r[0]!.padEnd(26)} ${r[1]!.padStart(9)}  ${r[2]}`);
    const vsSkopeo = best.ferry / best.skopeo;
    const vsRaw = best.ferry / best.raw;
    console.log(`\n  ferry / skopeo   ${vsSkopeo.toFixed(2)}×  (target ≤ 0.50×) ${vsSkopeo <= 0.5 ? 'met' : 'MISSED'}`);
    console.log(`  ferry / raw GET  ${vsRaw.toFixed(2)}×  (target ≤ 1.20×) ${vsRaw <= 1.2 ? 'met' : 'MISSED'}`);
    console.log(`  ferry / raw GET+sha256+write  ${(best.ferry / best.rawWork).toFixed(2)}×  (the least work a verified bundle needs; for context)`);
    console.log(`  ferry peak RSS   ${best.rss.toFixed(0)} MiB (target ≤ 200 MB) ${best.rss * 1.048576 <= 200 ? 'met' : 'MISSED'}`);
  } finally {
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
