// `ferry approve` on every volume of a multi-volume set, and `ferry verify` taking the union of the
// volumes' approvals: a real signed bundle written by the real `ferry write` onto two volumes (tmpfs
// mounts where the sandbox allows them, else plain folders), real Ed25519 keys, the real CLI.
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateSigningKey } from '../../electron/engine/index.js';
import type { VerifyReport } from '../../shared/verify-report.js';
import { makeTestBundle, mountTmpfsOrDir, run, type TestBundle, type TestVolume } from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';

let bundle: TestBundle;
let env: NodeJS.ProcessEnv;
let alice: { key: string; pub: string; short: string };
let bob: { key: string; pub: string; short: string };
const mounts: TestVolume[] = [];

const json = (stdout: string): VerifyReport => JSON.parse(stdout.split('\n').find((l) => l.includes('"type":"result"'))!) as VerifyReport;
const sigs = (dir: string): string[] => (existsSync(join(dir, 'signatures')) ? readdirSync(join(dir, 'signatures')).sort() : []);
const approvalName = (): string => `approver-${bob.short}.json`;
const trustArgs = (): string[] => ['--trust', alice.pub, '--trust', bob.pub, '--require-approval'];

before(async () => {
  bundle = await makeTestBundle({ split: '1MiB', bigLayers: 2 });
  env = { HOME: join(bundle.work, 'home'), XDG_CACHE_HOME: join(bundle.work, 'cache') };
  const a = await generateSigningKey(join(bundle.work, 'alice'));
  const b = await generateSigningKey(join(bundle.work, 'bob'));
  alice = { key: a.privateKeyFile, pub: a.publicKeyFile, short: a.keyId.slice(0, 16) };
  bob = { key: b.privateKeyFile, pub: b.publicKeyFile, short: b.keyId.slice(0, 16) };
  const sign = await runFerry(['sign', bundle.dir, '--key', alice.key], { env });
  assert.equal(sign.code, 0, sign.stderr);
});

after(async () => {
  for (const m of mounts) await m.cleanup();
  await bundle?.cleanup();
});

/** The signed bundle written by `ferry write` onto two fresh volumes, its parts shared between them. */
async function writeSet(name: string): Promise<TestVolume[]> {
  const vs: TestVolume[] = [];
  for (const i of [1, 2]) {
    const v = await mountTmpfsOrDir(join(bundle.work, `${name}-${i}`), 8 * 1024 * 1024);
    mounts.push(v);
    vs.push(v);
  }
  // room for every part but half the last (and the small files): the set needs both volumes
  const sizes = bundle.manifest.archive.parts.map((p) => p.size);
  const capacity = `${Math.floor((sizes.reduce((a, b) => a + b, 0) - sizes.at(-1)! / 2) / 1024)}KiB`;
  const r = await runFerry(['write', bundle.dir, ...vs.flatMap((v) => ['--to', v.dir]), '--capacity', capacity], { env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  for (const v of vs) {
    assert.ok(readdirSync(v.dir).some((n) => n.startsWith('bundle.tar')), `${v.dir} holds a part`);
    assert.deepEqual(sigs(v.dir), [`preparer-${alice.short}.json`], 'ferry write copied the preparer signature');
  }
  return vs;
}

describe('ferry approve on every volume of a set', () => {
  test('sign, write to 2 volumes, approve both: both volumes get the same approval; verify --require-approval exits 0 without warnings', async () => {
    const vs = await writeSet('both');
    const dirs = vs.map((v) => v.dir);
    const r = await runFerry(['approve', ...dirs, '--key', bob.key], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(r.stdout.includes(`on 2 volumes: ${dirs.join(', ')}`), r.stdout);
    for (const d of dirs) {
      assert.ok(r.stdout.includes(`wrote ${join(d, 'signatures', approvalName())}`), r.stdout);
      assert.deepEqual(sigs(d), [approvalName(), `preparer-${alice.short}.json`].sort());
    }
    assert.deepEqual(readFileSync(join(dirs[0]!, 'signatures', approvalName())), readFileSync(join(dirs[1]!, 'signatures', approvalName())), 'one document, identical copies');
    // signatures are not in SHA256SUMS: every volume still passes sha256sum -c
    for (const d of dirs) assert.equal((await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: d })).code, 0);

    const v = await runFerry(['verify', ...dirs, ...trustArgs(), '--json'], { env });
    assert.equal(v.code, 0, v.stdout + v.stderr);
    const report = json(v.stdout);
    assert.equal(report.trust?.ok, true);
    assert.equal(report.trust?.warnings, undefined);
    // identical copies merged: one entry per signature, found on both volumes
    assert.deepEqual(
      report.trust?.signatures.map((s) => [s.role, s.valid, s.volumes]),
      [
        ['approver', true, dirs],
        ['preparer', true, dirs],
      ],
    );
  });

  test('one volume of a set alone cannot be approved: it cannot be verified whole (exit 1, naming a missing part, nothing written)', async () => {
    const vs = await writeSet('alone');
    const dirs = vs.map((v) => v.dir);
    const r = await runFerry(['approve', dirs[0]!, '--key', bob.key], { env });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /damaged.*nothing was signed.*bundle\.tar\.\d+ is missing/);
    for (const d of dirs) assert.deepEqual(sigs(d), [`preparer-${alice.short}.json`]);
  });

  test('an approval on one volume only (the other lost it): verify of both still exits 0, warning that the approval is on that volume only', async () => {
    const vs = await writeSet('one');
    const dirs = vs.map((v) => v.dir);
    const r = await runFerry(['approve', ...dirs, '--key', bob.key], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    rmSync(join(dirs[1]!, 'signatures', approvalName()));
    assert.deepEqual(sigs(dirs[1]!), [`preparer-${alice.short}.json`]);
    const text = await runFerry(['verify', ...dirs, ...trustArgs()], { env });
    assert.equal(text.code, 0, text.stdout + text.stderr);
    assert.ok(text.stdout.includes(`warning: approval by ${bob.short} is on ${dirs[0]} only (not on ${dirs[1]}) — approve again with every volume`), text.stdout);
    // the volume without the approval named first: the union still finds it
    const reversed = await runFerry(['verify', dirs[1]!, dirs[0]!, ...trustArgs(), '--json'], { env });
    assert.equal(reversed.code, 0, reversed.stdout + reversed.stderr);
    const j = json(reversed.stdout);
    assert.equal(j.ok, true);
    assert.deepEqual(j.trust?.signatures.find((s) => s.role === 'approver')?.volumes, [dirs[0]]);
    assert.equal(j.trust?.warnings?.length, 1);
    // without the approval's volume nothing approves the bundle: the union is what counted
    const alone = await runFerry(['verify', dirs[1]!, ...trustArgs(), '--json'], { env });
    assert.equal(json(alone.stdout).trust?.ok, false);
  });

  test('a volume holding another bundle, or another bundle.json: refused naming it, nothing written anywhere', async () => {
    const vs = await writeSet('mixed');
    const dirs = vs.map((v) => v.dir);
    const other = join(bundle.work, 'other-bundle');
    cpSync(dirs[1]!, other, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(other, 'bundle.json'), 'utf8')) as { id: string };
    writeFileSync(join(other, 'bundle.json'), JSON.stringify({ ...manifest, id: '00000000-0000-4000-8000-000000000001' }, null, 2));
    const refused = await runFerry(['approve', dirs[0]!, other, '--key', bob.key], { env });
    assert.equal(refused.code, 1, refused.stdout);
    assert.ok(refused.stderr.includes(`${other} holds another bundle (00000000-0000-4000-8000-000000000001)`), refused.stderr);
    assert.match(refused.stderr, /Nothing was approved/);

    const altered = join(bundle.work, 'altered-bundle');
    cpSync(dirs[1]!, altered, { recursive: true });
    writeFileSync(join(altered, 'bundle.json'), `${readFileSync(join(altered, 'bundle.json'), 'utf8')}\n`);
    const refused2 = await runFerry(['approve', dirs[0]!, altered, '--key', bob.key], { env });
    assert.equal(refused2.code, 1, refused2.stdout);
    assert.ok(refused2.stderr.includes(`${altered} holds a different bundle.json for bundle ${manifest.id}`), refused2.stderr);

    for (const d of [...dirs, other, altered]) assert.deepEqual(sigs(d), [`preparer-${alice.short}.json`], `${d} untouched`);
  });

  test('a read-only second volume: the first gets the approval, exit 1 naming the second, no partial file; rerun after fixing completes', async (t) => {
    const vs = await writeSet('ro');
    const dirs = vs.map((v) => v.dir);
    const second = vs[1]!;
    let fix: () => Promise<void>;
    if (second.kind === 'tmpfs') {
      t.diagnostic('second volume: a tmpfs remounted read-only');
      assert.equal((await run('mount', ['-o', 'remount,ro', second.dir])).code, 0);
      fix = async () => assert.equal((await run('mount', ['-o', 'remount,rw', second.dir])).code, 0);
    } else if (process.getuid?.() !== 0) {
      t.diagnostic(`second volume: a plain folder made read-only with chmod (${second.fallbackReason})`);
      chmodSync(join(second.dir, 'signatures'), 0o555);
      fix = async () => chmodSync(join(second.dir, 'signatures'), 0o755);
    } else {
      return t.skip(`cannot make a read-only volume here: root ignores modes and mounting is refused (${second.fallbackReason})`);
    }
    const r = await runFerry(['approve', ...dirs, '--key', bob.key], { env });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(r.stderr.includes(`The approval was written to ${dirs[0]}, but not to ${second.dir}`), r.stderr);
    assert.match(r.stderr, /EROFS|EACCES/);
    assert.match(r.stderr, /writable and approve again with every volume/);
    assert.deepEqual(sigs(dirs[0]!), [approvalName(), `preparer-${alice.short}.json`].sort());
    // nothing half-written anywhere: no temp file, nothing else in signatures/
    for (const d of dirs) assert.ok(!sigs(d).some((n) => n.startsWith('.') || n.endsWith('.partial')), `${d}: ${sigs(d).join(', ')}`);
    assert.deepEqual(sigs(second.dir), [`preparer-${alice.short}.json`]);

    await fix();
    const again = await runFerry(['approve', ...dirs, '--key', bob.key], { env });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    for (const d of dirs) assert.deepEqual(sigs(d), [approvalName(), `preparer-${alice.short}.json`].sort());
    assert.deepEqual(readFileSync(join(dirs[0]!, 'signatures', approvalName())), readFileSync(join(dirs[1]!, 'signatures', approvalName())));
    const v = await runFerry(['verify', ...dirs, ...trustArgs()], { env });
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.ok(!v.stdout.includes('warning:'), v.stdout);
  });
});
