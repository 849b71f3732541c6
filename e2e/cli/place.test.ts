// `ferry place`: a bundle handed to runtimes without a registry — the verified archive written
// atomically into a k3s/k0s images folder, or streamed into a running containerd through ctr.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, writeFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTestBundle, startContainerd, type ContainerdHandle, type TestBundle } from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';

let bundle: TestBundle;
let containerd: ContainerdHandle;

before(async () => {
  bundle = await makeTestBundle({ split: '1MiB', bigLayers: 2, layerBytes: 700 * 1024 });
  containerd = await startContainerd();
});

after(async () => {
  await containerd?.stop();
  await bundle?.cleanup();
});

const sha256File = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Asserts `ctr -n NS images ls` lists every image of the bundle with its digest. */
async function assertListed(namespace: string): Promise<void> {
  const ls = await containerd.ctr(['--namespace', namespace, 'images', 'ls']);
  assert.equal(ls.code, 0, ls.stderr);
  for (const image of bundle.manifest.images) {
    const line = ls.stdout.split('\n').find((l) => l.startsWith(`${image.reference} `));
    assert.ok(line, `${image.reference} listed in ${namespace}:\n${ls.stdout}`);
    assert.ok(line.includes(image.digest), `${image.reference} keeps ${image.digest}`);
  }
}

/** A copy of the bundle with one byte of its second part flipped (same size: only the hash tells). */
function damagedCopy(name: string): string {
  const dir = join(bundle.work, name);
  cpSync(bundle.dir, dir, { recursive: true });
  const part = bundle.manifest.archive.parts[1]!;
  const fd = openSync(join(dir, part.name), 'r+');
  writeSync(fd, Buffer.from([0x5a]), 0, 1, 4096);
  closeSync(fd);
  return dir;
}

describe('ferry place --to-dir', () => {
  test('writes one verified ferry-<id>.tar that ctr images import loads with every digest', async () => {
    assert.ok(bundle.manifest.archive.parts.length >= 2, 'split into several parts');
    const target = join(bundle.work, 'k3s-images');
    const r = await runFerry(['import', bundle.dir, '--to-dir', target]);
    assert.equal(r.code, 0, r.stderr);
    const name = `ferry-${bundle.manifest.id.slice(0, 8)}.tar`;
    assert.deepEqual(readdirSync(target), [name], 'only the finished archive, no temp file');
    assert.equal(sha256File(join(target, name)), bundle.manifest.archive.sha256);
    assert.match(r.stdout, new RegExp(`${name}.*verified`));
    const imported = await containerd.ctr(['images', 'import', '--all-platforms', '--no-unpack', join(target, name)]);
    assert.equal(imported.code, 0, imported.stderr);
    await assertListed('default');
  });

  test('reads a set spread over two volume folders; placing again replaces the file', async () => {
    const vols = [join(bundle.work, 'vol1'), join(bundle.work, 'vol2')];
    const parts = bundle.manifest.archive.parts;
    for (const [i, vol] of vols.entries()) {
      mkdirSync(vol);
      cpSync(join(bundle.dir, 'bundle.json'), join(vol, 'bundle.json'));
      parts.forEach((p, j) => {
        if (j % 2 === i) cpSync(join(bundle.dir, p.name), join(vol, p.name));
      });
      // each volume of a set carries its own SHA256SUMS over the files it holds, as `ferry write` makes it
      const names = readdirSync(vol).sort();
      writeFileSync(join(vol, 'SHA256SUMS'), names.map((n) => `${sha256File(join(vol, n))}  ${n}\n`).join(''));
    }
    const target = join(bundle.work, 'k0s-images');
    assert.equal((await runFerry(['import', ...vols, '--to-dir', target])).code, 0);
    const again = await runFerry(['import', ...vols, '--to-dir', target, '--json']);
    assert.equal(again.code, 0, again.stderr);
    const result = JSON.parse(again.stdout.trim().split('\n').at(-1)!) as { type: string; replaced: boolean; path: string; sha256: string };
    assert.equal(result.replaced, true);
    assert.equal(sha256File(result.path), bundle.manifest.archive.sha256);
    assert.equal(readdirSync(target).length, 1);
  });

  test('a damaged part: exit 1 naming the part, and nothing is left in the target folder', async () => {
    const dir = damagedCopy('damaged-dir');
    const target = join(bundle.work, 'damaged-target');
    const r = await runFerry(['import', dir, '--to-dir', target]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(r.stderr.includes(bundle.manifest.archive.parts[1]!.name), r.stderr);
    assert.match(r.stderr, /damaged/);
    assert.deepEqual(existsSync(target) ? readdirSync(target) : [], []);
  });
});

describe('ferry place --to-containerd', () => {
  test('streams the bundle into containerd (namespace k8s.io by default) and lists every image', async () => {
    const r = await runFerry(['import', bundle.dir, '--to-containerd', '--address', containerd.address]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /namespace k8s\.io/);
    for (const image of bundle.manifest.images) assert.ok(r.stdout.includes(image.reference));
    await assertListed('k8s.io');
    // every platform's blobs are in the content store, not just the host's
    const check = await containerd.ctr(['--namespace', 'k8s.io', 'content', 'ls', '-q']);
    for (const blob of bundle.manifest.blobs) assert.ok(check.stdout.includes(blob.digest), `${blob.digest} in content store`);
  });

  test('a damaged part: exit 1, and containerd has no image', async () => {
    const dir = damagedCopy('damaged-ctd');
    const r = await runFerry(['import', dir, '--to-containerd', '--address', containerd.address, '--namespace', 'damaged']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /damaged/);
    const ls = await containerd.ctr(['--namespace', 'damaged', 'images', 'ls', '-q']);
    assert.equal(ls.stdout.trim(), '');
  });

  test('no ctr on PATH is a clear error naming it; no target is a usage error', async () => {
    const r = await runFerry(['import', bundle.dir, '--to-containerd'], { env: { PATH: join(bundle.work, 'empty-path') } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ctr \(containerd's command-line client\) was not found on PATH/);
    assert.equal((await runFerry(['import', bundle.dir])).code, 2);
    assert.equal((await runFerry(['import', bundle.dir, '--to-dir', 'x', '--to-containerd'])).code, 2);
  });
});
