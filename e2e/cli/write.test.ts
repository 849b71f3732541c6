// `ferry media` and `ferry write` end to end: a real bundle (1 MiB parts) written by the real CLI
// onto real mounts where the sandbox allows them (a vfat loop image; size-limited tmpfs volumes
// whose free space is real), else onto plain folders (with --capacity standing in for small
// sticks); every volume checked by sha256sum -c and the archive reassembled with cat.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTestBundle, mountLoopImageOrDir, mountTmpfsOrDir, run, type TestBundle, type TestVolume } from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';
import { writeToMedia, type WriteMediaResult } from '../../electron/engine/index.js';
import { isFatFileSystem } from '../../electron/engine/media/file-system-type.js';
import type { ProgressEvent } from '../../shared/progress.js';

let bundle: TestBundle;
let env: NodeJS.ProcessEnv;
const volumes: TestVolume[] = [];

before(async () => {
  bundle = await makeTestBundle({ split: '1MiB', bigLayers: 3 });
  // a detached signature beside bundle.json: copied to every volume, never listed in SHA256SUMS
  mkdirSync(join(bundle.dir, 'signatures'));
  writeFileSync(join(bundle.dir, 'signatures', 'preparer.sig.json'), '{"test":"signature"}\n');
  env = { HOME: join(bundle.work, 'home'), XDG_CACHE_HOME: join(bundle.work, 'cache') };
});

after(async () => {
  for (const v of volumes) await v.cleanup();
  await bundle?.cleanup();
});

/** Four archive files: 1 MiB, 1 MiB, 1 MiB and a short last part. */
const parts = (): string[] => bundle.manifest.archive.parts.map((p) => p.name);
const listing = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).sort() : []);
const sumsNames = (dir: string): string[] => readFileSync(join(dir, 'SHA256SUMS'), 'utf8').trim().split('\n').map((l) => l.split('  ')[1]!);

/** A volume of about `bytes`: a real tmpfs (real free space) or a plain folder; the caller passes `capacity` in the second case. */
async function smallVolume(name: string, bytes: number): Promise<TestVolume> {
  const v = await mountTmpfsOrDir(join(bundle.work, name), bytes);
  volumes.push(v);
  return v;
}

/** sha256sum -c in a folder: passes, listing each file OK. */
async function checkSums(dir: string): Promise<string> {
  const r = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir });
  assert.equal(r.code, 0, `${dir}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** Reassembles the archive from the data parts on these volumes with cat, as README.txt says, and returns its sha256. */
async function catSha256(dirs: string[]): Promise<string> {
  const files = parts().map((name) => {
    const dir = dirs.find((d) => existsSync(join(d, name)));
    assert.ok(dir, `${name} is on one of the volumes`);
    return join(dir, name);
  });
  const r = await run('sh', ['-c', `cat ${files.map((f) => `'${f}'`).join(' ')} | sha256sum`]);
  return r.stdout.split(' ')[0]!;
}

describe('ferry write to one volume', () => {
  let volume: TestVolume;

  before(async () => {
    volume = await mountLoopImageOrDir(join(bundle.work, 'stick'), join(bundle.work, 'stick.img'), 'vfat', 40 * 1024 * 1024);
    volumes.push(volume);
  });
  const sizeArgs = (): string[] => (volume.reportsSize ? [] : ['--capacity', '30MiB']);

  test('a volume that does not report its size is refused unless --capacity says how much to use', async (t) => {
    if (volume.reportsSize) return t.skip(`the ${volume.kind} target reports its size`);
    const r = await runFerry(['write', bundle.dir, '--to', volume.dir], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /does not report its size or free space.*--capacity SIZE/);
    assert.deepEqual(listing(volume.dir), []);
  });

  test('writes parts, bundle.json, signatures, README and SHA256SUMS; sha256sum -c passes; cat rebuilds the archive', async (t) => {
    t.diagnostic(
      volume.kind === 'vfat'
        ? `target: a FAT32 image mounted ${volume.via === 'kernel' ? 'by the kernel (loop)' : 'through FUSE (fusefat; it reports no size, so --capacity 30MiB)'}`
        : `target: a plain folder (${volume.fallbackReason})`,
    );
    const r = await runFerry(['write', bundle.dir, '--to', volume.dir, ...sizeArgs()], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Plan: 1 volume: 3\.\d\d MB/);
    assert.match(r.stdout, /The volume is complete: 3\.\d\d MB written/);
    assert.deepEqual(listing(volume.dir), ['README.txt', 'SHA256SUMS', 'bundle.json', ...parts(), 'signatures'].sort());
    const check = await checkSums(volume.dir);
    for (const name of ['bundle.json', ...parts()]) assert.match(check, new RegExp(`${name.replace(/\./g, '\\.')}: OK`));
    assert.deepEqual(sumsNames(volume.dir), ['bundle.json', ...parts()], 'SHA256SUMS covers bundle.json and the archive files only');
    assert.equal(await catSha256([volume.dir]), bundle.manifest.archive.sha256);
    assert.deepEqual(readFileSync(join(volume.dir, 'bundle.json')), readFileSync(join(bundle.dir, 'bundle.json')), 'bundle.json byte for byte');
    assert.equal(readFileSync(join(volume.dir, 'signatures', 'preparer.sig.json'), 'utf8'), '{"test":"signature"}\n');
    const readme = readFileSync(join(volume.dir, 'README.txt'), 'utf8');
    assert.match(readme, /Volume 1 of 1/);
    assert.ok(readme.includes(bundle.manifest.id));
    assert.ok(readme.includes(bundle.manifest.archive.sha256));
    assert.ok(!listing(volume.dir).some((n) => n.endsWith('.partial')));
  });

  test('writing the same bundle again reuses the intact parts (resume) and still passes', async () => {
    const r = await runFerry(['write', bundle.dir, '--to', volume.dir, '--json', ...sizeArgs()], { env });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { type: string } & WriteMediaResult;
    assert.equal(result.type, 'result');
    assert.equal(result.ok, true);
    assert.equal(result.plan.volumes[0]!.existing, 'same-bundle');
    assert.deepEqual(result.volumes[0]!.reused, parts());
    assert.equal(result.bytesWritten, 0);
    assert.equal(result.volumes[0]!.readBack.length, parts().length);
    assert.ok(result.volumes[0]!.readBack.every((x) => x.ok));
    // progress came as JSON lines on stderr, in the two named phases
    const phases = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as ProgressEvent).filter((e) => e.kind === 'phase-start').map((e) => (e as { phase: string }).phase);
    assert.deepEqual(phases, ['write-media', 'read-back']);
    if (volume.kind === 'vfat') assert.ok(isFatFileSystem(result.plan.volumes[0]!.fsType), `FAT detected: ${result.plan.volumes[0]!.fsType}`);
    await checkSums(volume.dir);
  });

  test('the FAT32 image is consistent afterwards (fsck.fat)', async (t) => {
    if (volume.kind !== 'vfat' || !volume.image) return t.skip(`no FAT32 image here (${volume.fallbackReason})`);
    await volume.unmount();
    const fsck = await run('fsck.fat', ['-n', volume.image]);
    assert.equal(fsck.code, 0, fsck.stdout + fsck.stderr);
    t.diagnostic(fsck.stdout.trim().split('\n').at(-1)!);
  });
});

describe('ferry write across several volumes', () => {
  test('a bundle spread over three volumes: each is self-describing and passes sha256sum -c; together they rebuild the archive', async (t) => {
    // 1200 KiB each: one 1 MiB part and the volume's own files, or the last part and the short one
    const vs = [await smallVolume('multi-1', 1200 * 1024), await smallVolume('multi-2', 1200 * 1024), await smallVolume('multi-3', 1200 * 1024)];
    const real = vs.every((v) => v.kind === 'tmpfs');
    t.diagnostic(real ? 'targets: three 1200 KiB tmpfs mounts (real free space)' : `targets: plain folders with --capacity 1200KiB (${vs[0]!.fallbackReason})`);
    const r = await runFerry(['write', bundle.dir, ...vs.flatMap((v) => ['--to', v.dir]), ...(real ? [] : ['--capacity', '1200KiB'])], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Plan: 3 volumes: \d\.\d\d \+ \d\.\d\d \+ \d\.\d\d MB/);
    assert.match(r.stdout, /All 3 volumes are complete/);
    const [p1, p2, p3, p4] = parts();
    const expected = [[p1], [p2], [p3, p4]];
    for (const [i, v] of vs.entries()) {
      assert.deepEqual(listing(v.dir), ['README.txt', 'SHA256SUMS', 'bundle.json', ...expected[i]!, 'signatures'].sort(), v.dir);
      assert.deepEqual(sumsNames(v.dir), ['bundle.json', ...expected[i]!]);
      await checkSums(v.dir);
      const readme = readFileSync(join(v.dir, 'README.txt'), 'utf8');
      assert.match(readme, new RegExp(`Volume ${i + 1} of 3`));
      assert.match(readme, /cat bundle\.tar\.\[0-9\]\* > bundle\.tar/);
      assert.ok(existsSync(join(v.dir, 'signatures', 'preparer.sig.json')));
    }
    assert.equal(await catSha256(vs.map((v) => v.dir)), bundle.manifest.archive.sha256);
  });

  test('not enough space: refused before anything is written, saying how much more is needed', async (t) => {
    const v = await smallVolume('short', 1500 * 1024);
    t.diagnostic(v.kind === 'tmpfs' ? 'target: a 1500 KiB tmpfs (real free space)' : `target: a plain folder with --capacity 1500KiB (${v.fallbackReason})`);
    const r = await runFerry(['write', bundle.dir, '--to', v.dir, ...(v.kind === 'tmpfs' ? [] : ['--capacity', '1500KiB'])], { env });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /Not enough space: the target takes 1\.05 MB of the bundle's 3\.19 MB; 2\.\d\d MB more is needed.*Nothing was written/);
    assert.deepEqual(listing(v.dir), []);
  });

  test('a target holding a different bundle is refused and left untouched; --force replaces it', async () => {
    const v = await smallVolume('other', 8 * 1024 * 1024);
    const other = randomUUID();
    const theirs = `${JSON.stringify({ id: other })}\n`;
    writeFileSync(join(v.dir, 'bundle.json'), theirs);
    writeFileSync(join(v.dir, 'bundle.tar'), 'their archive');
    const r = await runFerry(['write', bundle.dir, '--to', v.dir], { env });
    assert.equal(r.code, 1);
    assert.ok(r.stderr.includes(`already holds a different bundle (${other})`), r.stderr);
    assert.deepEqual(listing(v.dir), ['bundle.json', 'bundle.tar']);
    assert.equal(readFileSync(join(v.dir, 'bundle.json'), 'utf8'), theirs);
    const forced = await runFerry(['write', bundle.dir, '--to', v.dir, '--force'], { env });
    assert.equal(forced.code, 0, forced.stderr);
    assert.ok(!existsSync(join(v.dir, 'bundle.tar')), 'their archive is gone');
    await checkSums(v.dir);
  });

  test('a byte changed between write and read-back is caught: exit 1, that volume left without SHA256SUMS', async (t) => {
    const vs = [await smallVolume('flip-1', 2300 * 1024), await smallVolume('flip-2', 2300 * 1024)];
    const real = vs.every((v) => v.kind === 'tmpfs');
    t.diagnostic(real ? 'targets: two 2300 KiB tmpfs mounts' : 'targets: plain folders with --capacity 2300KiB');
    const victim = parts()[2]!; // on the second volume
    const r = await runFerry(['write', bundle.dir, ...vs.flatMap((v) => ['--to', v.dir]), ...(real ? [] : ['--capacity', '2300KiB'])], {
      env: { ...env, FERRY_TEST_CORRUPT_BEFORE_READBACK: victim },
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(r.stderr.includes(`${victim} read back with sha256`), r.stderr);
    assert.match(r.stderr, /volume 2 \(/);
    assert.match(r.stdout, /Volume 1 .* read back ok/);
    assert.match(r.stdout, /Volume 2 .* READ-BACK FAILED/);
    await checkSums(vs[0]!.dir);
    assert.ok(!existsSync(join(vs[1]!.dir, 'SHA256SUMS')), 'the damaged volume does not look complete');
    assert.ok(!existsSync(join(vs[1]!.dir, victim)), 'the damaged copy is removed');
    // writing again repairs just that volume
    const again = await runFerry(['write', bundle.dir, ...vs.flatMap((v) => ['--to', v.dir]), ...(real ? [] : ['--capacity', '2300KiB'])], { env });
    assert.equal(again.code, 0, again.stderr);
    for (const v of vs) await checkSums(v.dir);
  });
});

describe('cancelling a write', () => {
  test('cancelled mid-part: no temp files, no SHA256SUMS, so nothing looks complete; a new run resumes', async () => {
    const v = await smallVolume('cancel', 8 * 1024 * 1024);
    const controller = new AbortController();
    const events: ProgressEvent[] = [];
    const second = parts()[1]!;
    const onProgress = (e: ProgressEvent): void => {
      events.push(e);
      // the second part's copy starts right after this: it opens its temp file, then sees the abort
      if (e.kind === 'item-start' && e.phase === 'write-media' && e.item === second) controller.abort();
    };
    await assert.rejects(writeToMedia({ dir: bundle.dir, targets: [v.dir] }, { onProgress, signal: controller.signal }), (e: Error) => e.name === 'AbortError');
    const left = listing(v.dir);
    assert.ok(!left.includes('SHA256SUMS'), left.join(' '));
    assert.ok(!left.some((n) => n.endsWith('.partial')), left.join(' '));
    assert.ok(!left.includes(second), 'the part being copied is not there under its name');
    assert.ok(left.includes(parts()[0]!), 'the finished part stays for a resume');
    assert.ok(!events.some((e) => e.kind === 'phase-start' && e.phase === 'read-back'));
    const check = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: v.dir });
    assert.notEqual(check.code, 0);

    const resumed = await writeToMedia({ dir: bundle.dir, targets: [v.dir] });
    assert.equal(resumed.ok, true);
    assert.deepEqual(resumed.volumes[0]!.reused, [parts()[0]]);
    await checkSums(v.dir);
  });

  test('the copy in flight is cut short and its temp file removed', async () => {
    const v = await smallVolume('cancel-2', 8 * 1024 * 1024);
    const controller = new AbortController();
    let temps: string[] = [];
    await assert.rejects(
      writeToMedia(
        { dir: bundle.dir, targets: [v.dir] },
        {
          onProgress: (e) => {
            if (e.kind === 'bytes' && e.phase === 'write-media' && !controller.signal.aborted) {
              temps = listing(v.dir).filter((n) => n.endsWith('.partial'));
              controller.abort();
            }
          },
          signal: controller.signal,
        },
      ),
      (e: Error) => e.name === 'AbortError',
    );
    assert.equal(temps.length, 1, 'a part was being written under a temporary name');
    assert.ok(!listing(v.dir).some((n) => n.endsWith('.partial')), listing(v.dir).join(' '));
    assert.ok(!listing(v.dir).includes('SHA256SUMS'));
  });
});

describe('ferry write: plans and usage', () => {
  test('--plan SIZE says how many volumes, writing nothing', async () => {
    const r = await runFerry(['write', bundle.dir, '--plan', '2MB'], { env });
    assert.equal(r.code, 0, r.stderr);
    // a 2 MB volume takes one 1 MiB part and its own files, or the third part and the short fourth
    assert.match(r.stdout, /Plan: 3 volumes: 1\.\d\d \+ 1\.\d\d \+ 1\.\d\d MB \(volumes of 2\.00 MB\)/);
    assert.match(r.stdout, /volume 3 {2}1\.\d\d MB of 2\.00 MB: bundle\.tar\.003, bundle\.tar\.004/);
    const json = await runFerry(['write', bundle.dir, '--plan', '8MB', '--json'], { env });
    const plan = JSON.parse(json.stdout) as { type: string; plan: { volumes: unknown[]; ok: boolean } };
    assert.equal(plan.type, 'plan');
    assert.equal(plan.plan.volumes.length, 1);
  });

  test('--dry-run prints the plan for real targets and writes nothing', async () => {
    const v = await smallVolume('dry', 8 * 1024 * 1024);
    const r = await runFerry(['write', bundle.dir, '--to', v.dir, '--dry-run'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Plan: 1 volume/);
    assert.deepEqual(listing(v.dir), []);
  });

  test('usage errors exit 2: no target, --plan with --to, a size that is not one, the bundle folder as target; a missing target exits 1', async () => {
    assert.equal((await runFerry(['write', bundle.dir], { env })).code, 2);
    assert.equal((await runFerry(['write', bundle.dir, '--plan', '32GB', '--to', bundle.work], { env })).code, 2);
    assert.equal((await runFerry(['write', bundle.dir, '--plan', 'lots'], { env })).code, 2);
    assert.equal((await runFerry(['write', bundle.dir, '--to', bundle.dir], { env })).code, 2);
    // the bundle folder under another name is still the bundle folder
    symlinkSync(bundle.dir, join(bundle.work, 'bundle-link'));
    const linked = await runFerry(['write', bundle.dir, '--to', join(bundle.work, 'bundle-link')], { env });
    assert.equal(linked.code, 2);
    assert.match(linked.stderr, /is the bundle folder itself/);
    const missing = await runFerry(['write', bundle.dir, '--to', join(bundle.work, 'no-such-stick')], { env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /does not exist; is the volume mounted\?/);
  });
});

describe('ferry media', () => {
  test('--json: a well-formed list of removable volumes (usually none here)', async (t) => {
    const r = await runFerry(['media', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { type: string; volumes: { removable: boolean; device: string; capacity: number }[] };
    assert.equal(out.type, 'result');
    assert.ok(Array.isArray(out.volumes));
    t.diagnostic(`removable volumes: ${out.volumes.length}`);
    for (const v of out.volumes) assert.equal(v.removable, true);
  });

  test('--all --json lists every mounted volume, the root one included; the table prints', async () => {
    const r = await runFerry(['media', '--all', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { volumes: { mount: string | null; capacity: number; free: number | null; fsType: string }[] };
    assert.ok(out.volumes.length > 0);
    const root = out.volumes.find((v) => v.mount === '/');
    assert.ok(root && root.capacity > 0 && root.free !== null && root.free <= root.capacity, JSON.stringify(out.volumes));
    const table = await runFerry(['media', '--all'], { env });
    assert.equal(table.code, 0);
    assert.match(table.stdout, /^MOUNT\s+LABEL\s+FS\s+SIZE\s+FREE\s+DEVICE\s+REMOVABLE\n/);
    assert.match(table.stdout, /^\/\s/m);
  });
});
