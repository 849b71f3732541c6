// A bundle is hostile input: its signatures/ may be a link out of the bundle, its signature files links,
// FIFOs or devices, and the bundle itself damaged. Signing and approving must refuse (by name) and write
// nothing anywhere; reading signatures (ferry verify) must name each such file as a problem, never follow
// a link, never hang. A real bundle made by the real engine, real Ed25519 keys, real FIFOs (mkfifo).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { flipByte, makeTestBundle, type TestBundle } from '../../../e2e/harness/index.js';
import type { TrustReport } from '../../../shared/verify-report.js';
import { FerryError } from '../errors/ferry-error.js';
import { approveBundle, checkTrust, generateSigningKey, signBundle, type GeneratedSigningKey } from '../index.js';
import { loadSigningKey } from './key-files.js';
import { makeSignatureDocument, writeSignatureDocument } from './sign-bundle.js';

let bundle: TestBundle;
let alice: GeneratedSigningKey;
let bob: GeneratedSigningKey;
let outside = 0;

before(async () => {
  bundle = await makeTestBundle();
  alice = await generateSigningKey(join(bundle.work, 'alice'));
  bob = await generateSigningKey(join(bundle.work, 'bob'));
});
after(async () => {
  await bundle?.cleanup();
});

const short = (k: GeneratedSigningKey): string => k.keyId.slice(0, 16);
const check = (dir: string): Promise<TrustReport> => checkTrust({ dir, bundleJson: readFileSync(join(dir, 'bundle.json')), trustedKeys: [alice.publicKeyFile] });
/** A folder outside every bundle folder (what a link in a bundle would point at). */
function outsideFolder(): string {
  const dir = join(bundle.work, `outside-${++outside}`);
  mkdirSync(dir);
  return dir;
}
/** Every file below `dir` with the sha256 of its bytes: what a refused write must leave as it was. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    const info = lstatSync(path);
    out[name] = info.isFile() ? createHash('sha256').update(readFileSync(path)).digest('hex') : info.isSymbolicLink() ? 'link' : info.isFIFO() ? 'fifo' : 'folder';
  }
  return out;
}
const refusedNaming = (path: string, code: string, pattern: RegExp) => (error: unknown): boolean => {
  assert.ok(error instanceof FerryError, String(error));
  assert.equal(error.code, code, error.message);
  assert.ok(error.message.includes(path), `${error.message} names ${path}`);
  assert.match(error.message, pattern);
  return true;
};

describe('signatures/ that is not a plain folder of the bundle', () => {
  test('a link to a folder outside: sign and approve refuse it by name and write nothing there; reading it lists nothing behind it', { timeout: 60_000 }, async () => {
    const dir = bundle.copy();
    const target = outsideFolder();
    await signBundle(dir, alice.privateKeyFile);
    // the genuine preparer signature moved out, and signatures/ made a link to where it now lies
    const sigs = join(dir, 'signatures');
    execFileSync('mv', [join(sigs, `preparer-${short(alice)}.json`), target]);
    execFileSync('rmdir', [sigs]);
    symlinkSync(target, sigs);
    const before = snapshot(target);

    await assert.rejects(signBundle(dir, bob.privateKeyFile), refusedNaming(sigs, 'bad-bundle', /symbolic link.*nothing was signed/));
    await assert.rejects(approveBundle(dir, bob.privateKeyFile), refusedNaming(sigs, 'bad-bundle', /symbolic link.*nothing was signed/));
    assert.deepEqual(snapshot(target), before, 'nothing written through the link');

    const report = await check(dir);
    assert.equal(report.ok, false);
    assert.deepEqual(report.signatures.map((s) => [s.file, s.valid]), [['signatures', false]], 'the files behind the link are not listed');
    assert.match(report.signatures[0]!.problem!, /is a symbolic link, not a folder/);
    assert.ok(report.problems.some((p) => p.startsWith('signatures: ')), report.problems.join('\n'));
  });

  test('a plain file named signatures: sign refuses it by name and leaves it as it was', { timeout: 60_000 }, async () => {
    const dir = bundle.copy();
    const sigs = join(dir, 'signatures');
    writeFileSync(sigs, 'not a folder\n');
    await assert.rejects(signBundle(dir, alice.privateKeyFile), refusedNaming(sigs, 'bad-bundle', /is not a folder/));
    assert.equal(readFileSync(sigs, 'utf8'), 'not a folder\n');
    const report = await check(dir);
    assert.deepEqual(report.signatures.map((s) => [s.file, s.valid]), [['signatures', false]]);
  });
});

describe('signature files that are not regular files', () => {
  test('a link to a valid signature outside, a link to /dev/zero, a FIFO, a link to a FIFO, and an oversized file: each a problem naming it, none followed, no hang', { timeout: 30_000 }, async () => {
    const dir = bundle.copy();
    const elsewhere = outsideFolder();
    // a genuine signature of this very bundle.json, kept outside the bundle and linked in
    const genuine = await signBundle(bundle.copy(), alice.privateKeyFile);
    execFileSync('cp', [genuine.file, join(elsewhere, 'preparer.json')]);
    const sigs = join(dir, 'signatures');
    mkdirSync(sigs);
    symlinkSync(join(elsewhere, 'preparer.json'), join(sigs, `preparer-${short(alice)}.json`));
    symlinkSync('/dev/zero', join(sigs, 'zero.json'));
    execFileSync('mkfifo', [join(sigs, 'fifo.json')]);
    symlinkSync(join(sigs, 'fifo.json'), join(sigs, 'fifo-link.json'));
    writeFileSync(join(sigs, 'huge.json'), `{"pad":"${'x'.repeat(70 * 1024)}"}`);

    const report = await check(dir);
    const got = new Map(report.signatures.map((s) => [s.file, s]));
    assert.deepEqual([...got.keys()].sort(), ['signatures/fifo-link.json', 'signatures/fifo.json', 'signatures/huge.json', `signatures/preparer-${short(alice)}.json`, 'signatures/zero.json']);
    for (const s of report.signatures) {
      assert.equal(s.valid, false, `${s.file} is not valid`);
      assert.ok(s.problem!.includes(s.file), `${s.file}: ${s.problem}`);
    }
    assert.match(got.get(`signatures/preparer-${short(alice)}.json`)!.problem!, /symbolic link/);
    assert.match(got.get('signatures/zero.json')!.problem!, /symbolic link/);
    assert.match(got.get('signatures/fifo-link.json')!.problem!, /symbolic link/);
    assert.match(got.get('signatures/fifo.json')!.problem!, /not a regular file \(a FIFO\)/);
    assert.match(got.get('signatures/huge.json')!.problem!, /larger than the 65536 bytes/);
    assert.equal(report.ok, false);
    assert.match(report.problems.join('\n'), /No valid preparer signature/, 'the linked-in signature did not count');
  });

  test('a link planted at the name a signature is written to: approving refuses it by name; the writer replaces it, its target untouched', { timeout: 60_000 }, async () => {
    const dir = bundle.copy();
    await signBundle(dir, alice.privateKeyFile);
    const victim = join(outsideFolder(), 'victim.txt');
    writeFileSync(victim, 'keep me\n');
    const name = join(dir, 'signatures', `approver-${short(bob)}.json`);
    symlinkSync(victim, name);
    // verification reads every file in signatures/: the link is a problem, so nothing is approved
    await assert.rejects(approveBundle(dir, bob.privateKeyFile), refusedNaming(`signatures/approver-${short(bob)}.json`, 'untrusted', /nothing was signed.*symbolic link/));
    assert.ok(lstatSync(name).isSymbolicLink());
    // the writer itself (ferry bundle --sign-key uses it too) never writes through a link at the final name
    const doc = makeSignatureDocument(await loadSigningKey(bob.privateKeyFile), 'approver', bundle.manifest.id, readFileSync(join(dir, 'bundle.json')));
    const written = await writeSignatureDocument(dir, doc);
    assert.equal(written.file, name);
    assert.equal(readFileSync(victim, 'utf8'), 'keep me\n');
    assert.ok(lstatSync(name).isFile(), 'the link was replaced by a regular file');
    assert.deepEqual(readdirSync(join(dir, 'signatures')).sort(), [`approver-${short(bob)}.json`, `preparer-${short(alice)}.json`], 'no temporary file left');
    assert.equal((await checkTrust({ dir, bundleJson: readFileSync(join(dir, 'bundle.json')), trustedKeys: [alice.publicKeyFile, bob.publicKeyFile], requireApproval: true })).ok, true);
  });
});

describe('signing vouches for the whole bundle', () => {
  test('a damaged archive (one flipped byte): sign and approve refuse, saying nothing was signed, and write nothing', { timeout: 60_000 }, async () => {
    const dir = bundle.copy();
    await signBundle(dir, alice.privateKeyFile);
    const before = snapshot(dir);
    flipByte(join(dir, bundle.manifest.archive.parts[0]!.name), 1536);
    const damaged = snapshot(dir);
    assert.notDeepEqual(damaged, before);
    await assert.rejects(approveBundle(dir, bob.privateKeyFile), refusedNaming(dir, 'damaged', /nothing was signed.*bundle\.tar/));
    await assert.rejects(signBundle(dir, bob.privateKeyFile), refusedNaming(dir, 'damaged', /nothing was signed/));
    assert.deepEqual(snapshot(dir), damaged, 'no signature written, nothing else changed');
  });

  test('a signature already there that does not verify: approving is refused (the bundle fails ferry verify)', { timeout: 60_000 }, async () => {
    const dir = bundle.copy();
    await signBundle(dir, alice.privateKeyFile);
    writeFileSync(join(dir, 'signatures', 'approver-0000000000000000.json'), '{"schemaVersion":1}');
    await assert.rejects(approveBundle(dir, bob.privateKeyFile), refusedNaming('signatures/approver-0000000000000000.json', 'untrusted', /not trusted.*nothing was signed/));
    assert.deepEqual(readdirSync(join(dir, 'signatures')).sort(), ['approver-0000000000000000.json', `preparer-${short(alice)}.json`]);
  });
});
