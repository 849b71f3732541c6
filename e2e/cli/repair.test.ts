// `ferry bundle --parity` and `ferry repair` end to end: a real bundle (real registry, real engine)
// with parity, parts deleted and bytes flipped, the real CLI rebuilding them, sha256sum and skopeo
// proving the result.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BundleManifest } from '../../shared/bundle-manifest.js';
import { flipByte, makeTempDir, makeTestBundle, removeDir, run, seedTestImages, skopeo, startRegistry, type RegistryHandle, type TestBundle } from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';

let base: TestBundle;
let copies = 0;

before(async () => {
  // 3 random 1 MiB layers: an archive of about 3.2 MB in four 1 MiB parts (the last one short), two parity parts
  base = await makeTestBundle({ split: '1MiB', bigLayers: 3, parity: 2 });
});
after(async () => {
  await base?.cleanup();
});



const readManifest = (dir: string): BundleManifest => JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as BundleManifest;
const sha256sumCheck = (dir: string): ReturnType<typeof run> => run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir });
/** sha256 of `cat bundle.tar.0*`, exactly as a user reassembles the archive. */
const catSha = async (dir: string): Promise<string> => (await run('sh', ['-c', 'cat bundle.tar.0* | sha256sum'], { cwd: dir })).stdout.split(' ')[0]!;
const fileSha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const leftovers = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.partial'));

describe('a bundle made with --parity 2', () => {
  test('records two parity parts of the largest part size, lists them in SHA256SUMS, and sha256sum -c passes', async () => {
    const { archive } = base.manifest;
    assert.equal(archive.parts.length, 4);
    assert.ok(archive.parts[3]!.size < archive.parts[0]!.size, 'the last part is short');
    assert.ok(archive.parity, 'parity recorded');
    assert.equal(archive.parity.scheme, 'reed-solomon-gf256-cauchy-v1');
    assert.equal(archive.parity.dataParts, 4);
    assert.equal(archive.parity.shardSize, 1024 * 1024);
    assert.deepEqual(archive.parity.parts.map((p) => p.name), ['bundle.tar.p01', 'bundle.tar.p02']);
    for (const p of archive.parity.parts) {
      assert.equal(statSync(join(base.dir, p.name)).size, 1024 * 1024);
      assert.equal(fileSha(join(base.dir, p.name)), p.sha256);
    }
    const check = await sha256sumCheck(base.dir);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /bundle\.tar\.p01: OK/);
    assert.match(check.stdout, /bundle\.tar\.p02: OK/);
    assert.equal(await catSha(base.dir), archive.sha256);
  });

  test('a whole bundle: repair checks every part and exits 0 with nothing to do', async () => {
    const dir = base.copy();
    const r = await runFerry(['repair', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Checked 6 part\(s\)/);
    assert.match(r.stdout, /Nothing to repair: the bundle is whole/);
  });
});

describe('ferry repair rebuilds from parity', () => {
  test('one part deleted and another with a flipped byte: both rebuilt, proven, and cat gives the recorded archive', async () => {
    const dir = base.copy();
    rmSync(join(dir, 'bundle.tar.002'));
    flipByte(join(dir, 'bundle.tar.003'), 123_456);
    assert.notEqual((await sha256sumCheck(dir)).code, 0);
    const r = await runFerry(['repair', dir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /bundle\.tar\.002 is missing\.\n\s+→ rebuilt from parity/);
    assert.match(r.stdout, /bundle\.tar\.003 is damaged[^\n]*\n\s+→ rebuilt from parity/);
    assert.match(r.stdout, /Repaired: rebuilt 2 part\(s\); the bundle is whole/);
    const check = await sha256sumCheck(dir);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    for (const p of base.manifest.archive.parts) assert.equal(fileSha(join(dir, p.name)), p.sha256, p.name);
    assert.equal(await catSha(dir), base.manifest.archive.sha256);
    assert.deepEqual(leftovers(dir), []);
  });

  test('the short last part and both parity parts lost at once (two of them): rebuilt at their own sizes', async () => {
    const dir = base.copy();
    rmSync(join(dir, 'bundle.tar.004'));
    writeFileSync(join(dir, 'bundle.tar.p02'), 'truncated');
    const r = await runFerry(['repair', dir, '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { whole: boolean; damaged: { name: string; state: string; rebuilt: boolean }[] };
    assert.equal(result.whole, true);
    assert.deepEqual(
      result.damaged.map((d) => [d.name, d.state, d.rebuilt]),
      [
        ['bundle.tar.004', 'missing', true],
        ['bundle.tar.p02', 'size', true],
      ],
    );
    assert.equal(statSync(join(dir, 'bundle.tar.004')).size, base.manifest.archive.parts[3]!.size);
    assert.equal((await sha256sumCheck(dir)).code, 0);
    assert.equal(await catSha(dir), base.manifest.archive.sha256);
  });

  test('a damaged parity part is rebuilt too, and the repaired archive reads in skopeo', async () => {
    const dir = base.copy();
    flipByte(join(dir, 'bundle.tar.p01'), 7);
    flipByte(join(dir, 'bundle.tar.001'), 5000);
    const r = await runFerry(['repair', dir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /bundle\.tar\.p01 is damaged[^\n]*\n\s+→ rebuilt/);
    assert.equal(fileSha(join(dir, 'bundle.tar.p01')), base.manifest.archive.parity!.parts[0]!.sha256);
    const tar = join(base.work, `whole-${++copies}.tar`);
    await run('sh', ['-c', `cat bundle.tar.0* > ${tar}`], { cwd: dir });
    // `1` names test/multi:1 first in index.json: skopeo reads that index, byte for byte
    const multi = base.manifest.images.find((i) => i.reference.endsWith('/test/multi:1'))!;
    const raw = await skopeo(['inspect', '--raw', `oci-archive:${tar}:1`]);
    assert.equal(raw.code, 0, raw.stderr);
    assert.equal(`sha256:${createHash('sha256').update(raw.stdout).digest('hex')}`, multi.digest);
    const single = base.manifest.images.find((i) => i.reference.endsWith('/test/single:1.0'))!;
    const docker = await skopeo(['inspect', `docker-archive:${tar}:${single.reference}`]);
    assert.equal(docker.code, 0, docker.stderr);
  });

  test('three bad parts with parity 2: exit 1 naming all three, nothing touched', async () => {
    const dir = base.copy();
    rmSync(join(dir, 'bundle.tar.001'));
    flipByte(join(dir, 'bundle.tar.002'), 1);
    flipByte(join(dir, 'bundle.tar.p02'), 1);
    const before = readdirSync(dir).sort();
    const damagedSha = fileSha(join(dir, 'bundle.tar.002'));
    const r = await runFerry(['repair', dir]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    for (const name of ['bundle.tar.001', 'bundle.tar.002', 'bundle.tar.p02']) assert.ok(r.stderr.includes(name), `${name} named: ${r.stderr}`);
    assert.match(r.stderr, /3 parts, but the 2 parity part\(s\) can rebuild at most 2/);
    assert.match(r.stdout, /NOT rebuilt/);
    assert.deepEqual(readdirSync(dir).sort(), before);
    assert.equal(fileSha(join(dir, 'bundle.tar.002')), damagedSha, 'the damaged part is left as it was');
  });

  test('SHA256SUMS is not trusted: a wrong line is rewritten from bundle.json', async () => {
    const dir = base.copy();
    const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8');
    const p03 = base.manifest.archive.parts[2]!.sha256;
    // SHA256SUMS damaged for part 3, and part 3 itself fine: bundle.json decides
    writeFileSync(join(dir, 'SHA256SUMS'), sums.replace(p03, '0'.repeat(64)));
    rmSync(join(dir, 'bundle.tar.001'));
    const r = await runFerry(['repair', dir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SHA256SUMS rewritten from bundle\.json/);
    assert.equal(readFileSync(join(dir, 'SHA256SUMS'), 'utf8'), sums);
    assert.equal((await sha256sumCheck(dir)).code, 0);
  });

  test('SHA256SUMS disagreeing about bundle.json is a conflict repair reports and leaves alone (exit 1)', async () => {
    const dir = base.copy();
    const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8');
    const bundleLine = sums.split('\n').find((l) => l.endsWith('  bundle.json'))!;
    writeFileSync(join(dir, 'SHA256SUMS'), sums.replace(bundleLine, `${'1'.repeat(64)}  bundle.json`));
    const r = await runFerry(['repair', dir]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /SHA256SUMS records a different sha256 for bundle\.json/);
    assert.ok(readFileSync(join(dir, 'SHA256SUMS'), 'utf8').includes('1'.repeat(64)), 'left as it was');
  });

  test('a damaged bundle.json is a clear error (exit 1): it is the reference', async () => {
    const dir = base.copy();
    const json = readFileSync(join(dir, 'bundle.json'), 'utf8');
    writeFileSync(join(dir, 'bundle.json'), json.slice(0, json.length / 2));
    const r = await runFerry(['repair', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bundle\.json is damaged \(not valid JSON\)/);
    assert.match(r.stderr, /copy bundle\.json from another volume/);
    // valid JSON but not a manifest
    writeFileSync(join(dir, 'bundle.json'), JSON.stringify({ ...JSON.parse(json), archive: { name: 'bundle.tar' } }));
    const again = await runFerry(['repair', dir]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /bundle\.json is damaged \(not a valid bundle manifest: archive/);
  });

  test('without parity, repair can only report (exit 1)', async () => {
    const dir = base.copy();
    const split = await runFerry(['split', dir, '--size', '1MiB', '--parity', '0']);
    assert.equal(split.code, 0, split.stderr);
    assert.equal(readManifest(dir).archive.parity, undefined);
    flipByte(join(dir, 'bundle.tar.002'), 99);
    const r = await runFerry(['repair', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bundle\.tar\.002 is bad and this bundle has no parity parts/);
    assert.deepEqual(leftovers(dir), []);
  });

  test('usage: no folder is exit 2; a folder without bundle.json is exit 1', async () => {
    assert.equal((await runFerry(['repair'])).code, 2);
    const empty = join(base.work, 'empty');
    mkdirSync(empty);
    const r = await runFerry(['repair', empty]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /holds no bundle\.json/);
    assert.ok(!existsSync(join(empty, 'SHA256SUMS')));
  });
});

describe('ferry bundle --parity on the command line', () => {
  let registry: RegistryHandle;
  let work: string;
  let refs: string[];
  before(async () => {
    work = await makeTempDir('ferry-e2e-parity');
    registry = await startRegistry({ auth: 'none' });
    const seeded = await seedTestImages(registry);
    refs = [seeded.single.fullRef, seeded.shared.fullRef];
  });
  after(async () => {
    await registry?.stop();
    if (work) await removeDir(work);
  });

  test('one data part: parity parts are full-size coded copies (with a warning) that repair the archive', async () => {
    const dir = join(work, 'one');
    const r = await runFerry(['bundle', ...refs, '-o', dir, '--insecure-registry', registry.host, '--parity', '2', '--no-cache']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /archive is one part, so each of the 2 parity part\(s\) is a full-size coded copy/);
    assert.match(r.stdout, /in 1 file\(s\) \+ 2 parity part\(s\)/);
    assert.deepEqual(readdirSync(dir).sort(), ['SHA256SUMS', 'bundle.json', 'bundle.tar', 'bundle.tar.p01', 'bundle.tar.p02']);
    assert.equal((await sha256sumCheck(dir)).code, 0);
    const manifest = readManifest(dir);
    assert.equal(manifest.archive.parity?.shardSize, manifest.archive.size);
    flipByte(join(dir, 'bundle.tar'), 600);
    rmSync(join(dir, 'bundle.tar.p01'));
    const repair = await runFerry(['repair', dir]);
    assert.equal(repair.code, 0, repair.stdout + repair.stderr);
    assert.equal(fileSha(join(dir, 'bundle.tar')), manifest.archive.sha256);
    assert.equal((await sha256sumCheck(dir)).code, 0);
  });

  test('--parity must be 1 to 32 (exit 2, nothing written)', async () => {
    for (const bad of ['0', '33', 'two', '1.5']) {
      const dir = join(work, `bad-${bad}`);
      const r = await runFerry(['bundle', ...refs, '-o', dir, '--insecure-registry', registry.host, '--parity', bad]);
      assert.equal(r.code, 2, `--parity ${bad}: ${r.stderr}`);
      assert.match(r.stderr, /Parity must be a whole number of parts from 1 to 32/);
      assert.ok(!existsSync(dir));
    }
  });
});
