// Reading a local archive: `docker-archive:` of a ~1 GiB `docker save` tar against `cat FILE > /dev/null` over the
// same file, in the same run: from the disk (the file dropped from the page cache before each read), and with the page
// cache warm (where Ferry's read path — index, range reads, sha256 of every blob — is all that is measured). Also times
// a whole `ferry bundle docker-archive:` (engine, no cache), which writes the bundle too.
//
//   npm run build && node dist/bench/local-source-bench.js
//
// FERRY_BENCH_MIB (default 1024) sizes the archive (32 MiB uncompressed layers, as `docker save` writes them);
// FERRY_BENCH_RUNS (default 3): best of. `sha256sum FILE` is timed too: every blob is verified as it is read, so
// hashing, not the disk, is the floor once the file is cached. Target: from the disk, reading ≤ 1.2× cat.
import { createHash, randomFillSync } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeTarHeader, TAR_BLOCK } from '../electron/engine/bundle/archive/tar-header.js';
import { createBundle } from '../electron/engine/bundle/create-bundle.js';
import { resolveImage } from '../electron/engine/bundle/resolve-image.js';
import { RegistryClient } from '../electron/engine/registry/registry-client.js';
import { openBundleSources } from '../electron/engine/sources/bundle-sources.js';
import { mapLimit } from '../electron/engine/util/map-limit.js';

const MIB = 1024 * 1024;
const LAYER = 32 * MIB;

/** Writes a legacy `docker save` archive of `layers` random uncompressed layers (each a real one-file tar). */
async function makeArchive(dir: string, layers: number): Promise<string> {
  const save = join(dir, 'save');
  await mkdir(save);
  const diffIds: string[] = [];
  const names: string[] = [];
  const data = Buffer.alloc(LAYER - 3 * TAR_BLOCK);
  for (let i = 0; i < layers; i++) {
    randomFillSync(data);
    const header = encodeTarHeader({ name: `data-${i}.bin`, size: data.length, type: 'file', mtime: 0 });
    const layer = Buffer.concat([header, data, Buffer.alloc(2 * TAR_BLOCK)]);
    const id = createHash('sha256').update(layer).digest('hex');
    diffIds.push(`sha256:${id}`);
    await mkdir(join(save, id));
    await writeFile(join(save, id, 'layer.tar'), layer);
    names.push(`${id}/layer.tar`);
  }
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: diffIds } }));
  const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
  await writeFile(join(save, configName), config);
  await writeFile(join(save, 'manifest.json'), JSON.stringify([{ Config: configName, RepoTags: ['bench/local:1'], Layers: names }]));
  const tar = join(dir, 'image.tar');
  await run('tar', ['-cf', tar, '-C', save, '.']);
  await rm(save, { recursive: true });
  return tar;
}

function run(cmd: string, args: string[], stdout: 'ignore' | number = 'ignore'): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', stdout, 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
}

/** Ferry's read path alone: open and index the archive, resolve the image, stream every blob verified (4 at once, as bundling does). */
async function readAll(tar: string): Promise<number> {
  const opened = await openBundleSources([`docker-archive:${tar}`]);
  const client = new RegistryClient();
  let bytes = 0;
  try {
    const router = opened.router(client);
    for (const image of opened.images) {
      const resolved = await resolveImage(image.source, image.ref, { client: router, platforms: [] });
      const blobs = resolved.manifests.flatMap((m) => [m.config, ...m.layers]);
      await mapLimit(blobs, 4, async (desc) => {
        for await (const chunk of await router.openBlob(image.ref.registry, image.ref.repository, desc)) bytes += (chunk as Buffer).length;
      });
    }
  } finally {
    await opened.close();
    await client.close();
  }
  return bytes;
}

const runs = Number(process.env.FERRY_BENCH_RUNS ?? 3);
const mib = Number(process.env.FERRY_BENCH_MIB ?? 1024);
const dir = await mkdtemp(join(tmpdir(), 'ferry-local-source-bench-'));
try {
  const tar = await makeArchive(dir, Math.max(1, Math.round(mib / 32)));
  const handle = await open(tar);
  const size = (await handle.stat()).size;
  await handle.close();
  const devNull = await open('/dev/null', 'w');
  const cat = (): Promise<number> => run('cat', [tar], devNull.fd);
  await cat(); // warm the page cache for both contenders
  // GNU dd's `iflag=nocache count=0` drops this one file from the page cache (posix_fadvise DONTNEED): a cold read
  const drop = (): Promise<number> => run('dd', [`if=${tar}`, 'iflag=nocache', 'count=0', 'status=none']);
  const best = { cat: Infinity, sha256sum: Infinity, read: Infinity, bundle: Infinity, coldCat: Infinity, coldRead: Infinity };
  let readBytes = 0;
  for (let i = 0; i < runs; i++) {
    best.cat = Math.min(best.cat, await timed(cat));
    best.sha256sum = Math.min(best.sha256sum, await timed(() => run('sha256sum', [tar])));
    best.read = Math.min(best.read, await timed(async () => (readBytes = await readAll(tar))));
    await drop();
    best.coldCat = Math.min(best.coldCat, await timed(cat));
    await drop();
    best.coldRead = Math.min(best.coldRead, await timed(() => readAll(tar)));
    await cat();
    const out = join(dir, `bundle-${i}`);
    best.bundle = Math.min(best.bundle, await timed(() => createBundle({ images: [`docker-archive:${tar}`], outputDir: out, cache: false })));
    await rm(out, { recursive: true, force: true });
  }
  await devNull.close();
  const total = size / MIB;
  console.log(`docker-archive: of ${total.toFixed(0)} MiB (${Math.round(mib / 32)} layers of 32 MiB, uncompressed); best of ${runs}`);
  console.log(`  from the disk (the file dropped from the page cache before each):`);
  console.log(`  cat FILE > /dev/null          ${best.coldCat.toFixed(2)} s  ${(total / best.coldCat).toFixed(0)} MiB/s`);
  console.log(`  ferry read (index, verify)    ${best.coldRead.toFixed(2)} s  ${(total / best.coldRead).toFixed(0)} MiB/s  ${(best.coldRead / best.coldCat).toFixed(2)}× cat`);
  console.log(`  page cache warm:`);
  console.log(`  cat FILE > /dev/null          ${best.cat.toFixed(2)} s  ${(total / best.cat).toFixed(0)} MiB/s`);
  console.log(`  sha256sum FILE                ${best.sha256sum.toFixed(2)} s  ${(total / best.sha256sum).toFixed(0)} MiB/s  (coreutils, one core, no SHA extensions)`);
  console.log(`  ferry read (index, verify)    ${best.read.toFixed(2)} s  ${(readBytes / MIB / best.read).toFixed(0)} MiB/s  ${(best.read / best.cat).toFixed(2)}× cat`);
  console.log(`  ferry bundle docker-archive:  ${best.bundle.toFixed(2)} s  ${(total / best.bundle).toFixed(0)} MiB/s  ${(best.bundle / best.cat).toFixed(2)}× cat (writes the bundle too)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
