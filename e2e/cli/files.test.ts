// Plain files (`ferry bundle --file PATH|URL`) end to end: carried as files/<name>, listed in
// bundle.json and by inspect, checked by verify (a flipped byte is caught), written out by
// `ferry import --files-to` (alone and together with --to), and ignored by image readers (skopeo).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTempDir, removeDir, run, skopeo, startBlobServer, startRegistry, seedTestImages, type BlobServerHandle, type RegistryHandle } from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';
import type { BundleManifest } from '../../shared/bundle-manifest.js';

let work: string;
let blobServer: BlobServerHandle;
let registry: RegistryHandle;
let env: NodeJS.ProcessEnv;
const local = randomBytes(300 * 1024);
const remote = randomBytes(700 * 1024);
const hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const readBundle = (dir: string): BundleManifest => JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as BundleManifest;

before(async () => {
  work = await makeTempDir('ferry-e2e-files');
  mkdirSync(join(work, 'home'));
  env = { HOME: join(work, 'home'), XDG_CACHE_HOME: join(work, 'cache'), DOCKER_CONFIG: join(work, 'home', '.docker') };
  blobServer = await startBlobServer();
  blobServer.blobs.set('dl/tool-1.2.bin', remote);
  registry = await startRegistry({ auth: 'none' });
  await seedTestImages(registry);
  writeFileSync(join(work, 'notes.txt'), local);
});

after(async () => {
  await Promise.allSettled([registry?.stop(), blobServer?.stop()]);
  if (work) await removeDir(work);
});

describe('plain files in a bundle', () => {
  let dir: string;
  let bundle: BundleManifest;
  const url = (): string => `${blobServer.baseUrl}/dl/tool-1.2.bin`;

  before(async () => {
    dir = join(work, 'bundle');
    const r = await runFerry(['bundle', `${registry.host}/test/shared:1`, '--file', join(work, 'notes.txt'), '--file', url(), '--insecure-registry', registry.host, '--split', '1MiB', '-o', dir], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Files \(2\):[\s\S]*notes\.txt[\s\S]*tool-1\.2\.bin/);
    bundle = readBundle(dir);
  });

  test('bundle.json lists each file with its source, size and sha256', () => {
    assert.deepEqual(bundle.files, [
      { name: 'notes.txt', source: join(work, 'notes.txt'), size: local.length, sha256: hex(local) },
      { name: 'tool-1.2.bin', source: url(), size: remote.length, sha256: hex(remote) },
    ]);
    assert.ok(blobServer.requests.includes('GET /dl/tool-1.2.bin'));
  });

  test('the archive holds files/<name> with the exact bytes, and image readers still read it', async () => {
    const tar = join(work, 'joined.tar');
    writeFileSync(tar, Buffer.concat(bundle.archive.parts.map((p) => readFileSync(join(dir, p.name)))));
    const list = (await run('tar', ['-tf', tar])).stdout.trim().split('\n');
    assert.ok(list.includes('files/notes.txt') && list.includes('files/tool-1.2.bin'), list.join(' '));
    const out = join(work, 'untar');
    mkdirSync(out);
    assert.equal((await run('tar', ['-xf', tar, '-C', out, 'files/'])).code, 0);
    assert.ok(readFileSync(join(out, 'files', 'notes.txt')).equals(local));
    assert.ok(readFileSync(join(out, 'files', 'tool-1.2.bin')).equals(remote));
    const inspect = await skopeo(['inspect', '--raw', `oci-archive:${tar}:1`]);
    assert.equal(inspect.code, 0, inspect.stderr + (await run('tar', ['-xOf', tar, 'index.json'])).stdout);
  });

  test('ferry inspect lists the files (and so does the HTML report)', async () => {
    const html = join(work, 'files-review.html');
    const r = await runFerry(['inspect', dir, '--html', html], { env });
    assert.equal(r.code, 0, r.stderr);
    const page = readFileSync(html, 'utf8');
    assert.ok(page.includes('<h2>Files</h2>') && page.includes(hex(local)) && page.includes(hex(remote)));
    assert.match(r.stdout, new RegExp(`notes\\.txt .*sha256:${hex(local)}`));
    assert.match(r.stdout, new RegExp(`tool-1\\.2\\.bin .*sha256:${hex(remote)}`));
  });

  test('ferry verify checks the files and catches a flipped byte in one', async () => {
    const ok = await runFerry(['verify', dir], { env });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /and 2 file\(s\): sizes and sha256 match/);
    const damaged = join(work, 'damaged');
    cpSync(dir, damaged, { recursive: true });
    // the remote file's bytes are unique: find a part holding its middle and flip one byte there
    const probe = remote.subarray(350 * 1024, 350 * 1024 + 64);
    const part = bundle.archive.parts.find((p) => readFileSync(join(damaged, p.name)).includes(probe))!;
    const bytes = readFileSync(join(damaged, part.name));
    const at = bytes.indexOf(probe) + 10;
    bytes[at]! ^= 0xff;
    writeFileSync(join(damaged, part.name), bytes);
    const bad = await runFerry(['verify', damaged], { env });
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout + bad.stderr, /file tool-1\.2\.bin is damaged/);
    const refused = await runFerry(['import', damaged, '--files-to', join(work, 'refused')], { env });
    assert.equal(refused.code, 1);
    assert.deepEqual(readdirSync(work).filter((n) => n === 'refused'), [], 'nothing written for a damaged bundle');
  });

  test('ferry import --files-to writes the exact bytes (alone, and together with --to)', async () => {
    const alone = join(work, 'out-alone');
    const r = await runFerry(['import', dir, '--files-to', alone], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(alone).sort(), ['notes.txt', 'tool-1.2.bin']);
    assert.ok(readFileSync(join(alone, 'notes.txt')).equals(local));
    assert.ok(readFileSync(join(alone, 'tool-1.2.bin')).equals(remote));

    const target = await startRegistry({ auth: 'none' });
    try {
      const both = join(work, 'out-both');
      const p = await runFerry(['import', dir, '--to', `${target.host}/mirror`, '--insecure-registry', target.host, '--files-to', both, '--report', join(work, 'report.json')], { env });
      assert.equal(p.code, 0, p.stderr);
      assert.match(p.stdout, /Wrote 2 file\(s\)/);
      assert.ok(readFileSync(join(both, 'tool-1.2.bin')).equals(remote));
      const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${target.host}/mirror/test/shared:1`]);
      assert.equal(raw.code, 0, raw.stderr);
    } finally {
      await target.stop();
    }
  });

  test('two files with the same name are refused before anything is fetched', async () => {
    mkdirSync(join(work, 'other'));
    writeFileSync(join(work, 'other', 'notes.txt'), 'x');
    const r = await runFerry(['bundle', '--file', join(work, 'notes.txt'), '--file', join(work, 'other', 'notes.txt'), '-o', join(work, 'dup')], { env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /would both be carried as "notes\.txt"/);
  });

  test('a bundle of files only works; old bundle.json without files stays valid', async () => {
    const only = join(work, 'only-files');
    const r = await runFerry(['bundle', '--file', join(work, 'notes.txt'), '-o', only], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readBundle(only).images.length, 0);
    assert.equal((await runFerry(['verify', only], { env })).code, 0);
  });
});
