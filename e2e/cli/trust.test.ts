// `ferry keygen`, `ferry bundle --sign-key`, `ferry sign` and `ferry approve` end to end: the real
// CLI as a child process, a real registry, real Ed25519 keys checked by OpenSSL, and the signatures
// checked by the engine's checkTrust (what `ferry verify --trust` runs) and by OpenSSL directly.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTempDir, removeDir, run, runOrThrow, seedTestImages, startRegistry, type RegistryHandle, type SeededTestImages } from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';
import { signaturePayload, type SignatureDocument } from '../../shared/signature.js';
import type { TrustReport } from '../../shared/verify-report.js';
import { checkTrust, signBundle } from '../../electron/engine/index.js';

let work: string;
let registry: RegistryHandle;
let images: SeededTestImages;
let env: NodeJS.ProcessEnv;
/** Full key ids printed by `ferry keygen`. */
const ids: Record<string, string> = {};

const key = (name: string, ext: 'key' | 'pub'): string => join(work, `${name}.${ext}`);
const short = (name: string): string => ids[name]!.slice(0, 16);
const trust = (dir: string, names: string[], requireApproval = false): Promise<TrustReport> =>
  checkTrust({ dir, bundleJson: readFileSync(join(dir, 'bundle.json')), trustedKeys: names.map((n) => key(n, 'pub')), requireApproval });
const bundleArgs = (dir: string): string[] => ['bundle', images.single.fullRef, images.shared.fullRef, '-o', dir, '--insecure-registry', registry.host];

before(async () => {
  work = await makeTempDir('ferry-e2e-trust');
  mkdirSync(join(work, 'home'));
  env = { HOME: join(work, 'home'), XDG_CACHE_HOME: join(work, 'cache'), DOCKER_CONFIG: join(work, 'home', '.docker') };
  registry = await startRegistry({ auth: 'none' });
  images = await seedTestImages(registry);
});

after(async () => {
  await registry?.stop();
  if (work) await removeDir(work);
});

describe('ferry keygen', () => {
  test('writes NAME.key (0600) and NAME.pub, which OpenSSL reads as Ed25519, and prints the key id', async () => {
    const names = ['alice', 'bob', 'carol'];
    const runs = await Promise.all(names.map((name) => runFerry(['keygen', '--out', join(work, name)], { env })));
    for (const [i, name] of names.entries()) {
      const r = runs[i]!;
      assert.equal(r.code, 0, r.stderr);
      const m = /^Key id ([0-9a-f]{64}) \(short ([0-9a-f]{16})\)$/m.exec(r.stdout);
      assert.ok(m, r.stdout);
      assert.equal(m[2], m[1]!.slice(0, 16));
      ids[name] = m[1]!;
      assert.ok(r.stdout.includes(key(name, 'key')) && r.stdout.includes(key(name, 'pub')));
      assert.equal(statSync(key(name, 'key')).mode & 0o777, 0o600);
    }
    // the id is sha256 of the raw 32-byte public key, as OpenSSL reads it from the .pub (SPKI DER: 12-byte header + key)
    const text = await runOrThrow('openssl', ['pkey', '-pubin', '-in', key('alice', 'pub'), '-text', '-noout']);
    assert.match(text.stdout, /^ED25519 Public-Key:/);
    const der = await runOrThrow('sh', ['-c', `openssl pkey -pubin -in '${key('alice', 'pub')}' -outform DER | tail -c 32 | sha256sum`]);
    assert.equal(der.stdout.split(' ')[0], ids.alice);
    assert.match((await runOrThrow('openssl', ['pkey', '-in', key('alice', 'key'), '-noout', '-text'])).stdout, /^ED25519 Private-Key:/);
    assert.equal(new Set(Object.values(ids)).size, 3);
  });

  test('refuses to overwrite, exit 1, files untouched; --out is required (exit 2); --json gives the id', async () => {
    const before = readFileSync(key('alice', 'key'));
    const r = await runFerry(['keygen', '--out', join(work, 'alice')], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /alice\.key already exists; Ferry never overwrites a key file/);
    assert.deepEqual(readFileSync(key('alice', 'key')), before);
    assert.equal((await runFerry(['keygen'], { env })).code, 2);
    const json = await runFerry(['keygen', '--out', join(work, 'dave'), '--json'], { env });
    const parsed = JSON.parse(json.stdout) as { keyId: string; privateKeyFile: string; publicKeyFile: string };
    assert.match(parsed.keyId, /^[0-9a-f]{64}$/);
    assert.equal(parsed.publicKeyFile, key('dave', 'pub'));
  });
});

describe('ferry bundle --sign-key', () => {
  let dir: string;
  let stdout: string;
  before(async () => {
    dir = join(work, 'signed');
    const r = await runFerry([...bundleArgs(dir), '--sign-key', key('alice', 'key')], { env });
    assert.equal(r.code, 0, r.stderr);
    stdout = r.stdout;
  });

  test('the bundle is complete, signatures/ holds the preparer signature, and SHA256SUMS does not cover it', async () => {
    assert.deepEqual(readdirSync(dir).sort(), ['SHA256SUMS', 'bundle.json', 'bundle.tar', 'signatures']);
    assert.deepEqual(readdirSync(join(dir, 'signatures')), [`preparer-${short('alice')}.json`]);
    assert.ok(!readFileSync(join(dir, 'SHA256SUMS'), 'utf8').includes('signatures'));
    const check = await run('sha256sum', ['-c', '--strict', 'SHA256SUMS'], { cwd: dir });
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(stdout, new RegExp(`Signed as preparer with key ${short('alice')} \\(signatures/preparer-${short('alice')}\\.json\\)`));
  });

  test('trusted with the preparer key: ok; with another key only: not ok', async () => {
    const ok = await trust(dir, ['alice']);
    assert.equal(ok.ok, true, ok.problems.join('\n'));
    assert.deepEqual(ok.signatures.map((s) => [s.role, s.keyId, s.valid, s.trusted]), [['preparer', ids.alice, true, true]]);
    const untrusted = await trust(dir, ['bob']);
    assert.equal(untrusted.ok, false);
    assert.match(untrusted.problems.join('\n'), /No preparer signature is by a trusted key/);
  });

  test('OpenSSL verifies the signature over the documented payload (and rejects a changed one)', async () => {
    const doc = JSON.parse(readFileSync(join(dir, 'signatures', `preparer-${short('alice')}.json`), 'utf8')) as SignatureDocument;
    assert.equal(doc.bundleSha256, createHash('sha256').update(readFileSync(join(dir, 'bundle.json'))).digest('hex'));
    const payload = join(work, 'payload.txt');
    const sig = join(work, 'sig.bin');
    writeFileSync(payload, signaturePayload(doc));
    writeFileSync(sig, Buffer.from(doc.signature, 'base64'));
    const args = ['pkeyutl', '-verify', '-pubin', '-inkey', key('alice', 'pub'), '-rawin', '-in', payload, '-sigfile', sig];
    const good = await run('openssl', args);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /Signature Verified Successfully/);
    assert.match(readFileSync(payload, 'utf8'), /^application\/vnd\.ferry\.signature\.v1\+json\nrole preparer\nkey-id [0-9a-f]{64}\nbundle-id [0-9a-f-]{36}\nbundle-sha256 [0-9a-f]{64}\ncreated \S+\n$/);
    writeFileSync(payload, signaturePayload({ ...doc, role: 'approver' }));
    assert.notEqual((await run('openssl', args)).code, 0);
    writeFileSync(payload, signaturePayload(doc));
    assert.notEqual((await run('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', key('bob', 'pub'), '-rawin', '-in', payload, '-sigfile', sig])).code, 0);
  });

  describe('ferry approve', () => {
    test("the preparer's own key is refused (exit 2) and nothing is written", async () => {
      const r = await runFerry(['approve', dir, '--key', key('alice', 'key')], { env });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /The preparer cannot approve their own bundle: key [0-9a-f]{16}… \(.*alice\.key\) signed/);
      assert.deepEqual(readdirSync(join(dir, 'signatures')), [`preparer-${short('alice')}.json`]);
    });

    test('a second person approves: prints who signed what; ok with requireApproval', async () => {
      const r = await runFerry(['approve', dir, '--key', key('bob', 'key')], { env });
      assert.equal(r.code, 0, r.stderr);
      const manifestId = (JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as { id: string }).id;
      assert.match(r.stdout, new RegExp(`^Approved bundle ${manifestId} in `));
      assert.ok(r.stdout.includes(`approver key ${short('bob')} (${ids.bob})`), r.stdout);
      assert.ok(r.stdout.includes(`countersigns preparer key(s) ${short('alice')}`), r.stdout);
      assert.ok(r.stdout.includes(`signatures/approver-${short('bob')}.json`), r.stdout);
      const report = await trust(dir, ['alice', 'bob'], true);
      assert.equal(report.ok, true, report.problems.join('\n'));
      assert.deepEqual(report.signatures.map((s) => [s.role, s.keyId, s.valid, s.trusted]), [
        ['approver', ids.bob, true, true],
        ['preparer', ids.alice, true, true],
      ]);
      // sha256sum -c still passes: signatures are outside SHA256SUMS
      assert.equal((await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir })).code, 0);
    });

    test('an approver signature made by hand with the preparer key does not count', async () => {
      const self = join(work, 'self-approved');
      cpSync(dir, self, { recursive: true });
      await signBundle(self, key('alice', 'key'), 'approver');
      const report = await trust(self, ['alice', 'carol'], true);
      assert.equal(report.ok, false);
      assert.deepEqual(report.problems, [
        `The only approvals by a trusted key are by a preparer's own key (${short('alice')}…); the two-person rule needs an approval by a different trusted key.`,
      ]);
    });
  });

  test('bundle.json rewritten (an image digest changed) and SHA256SUMS redone: sha256sum passes, the signatures do not', async () => {
    const forged = join(work, 'forged');
    cpSync(dir, forged, { recursive: true });
    const text = readFileSync(join(forged, 'bundle.json'), 'utf8');
    writeFileSync(join(forged, 'bundle.json'), text.replaceAll(images.single.digest, `sha256:${'e'.repeat(64)}`));
    assert.notEqual(readFileSync(join(forged, 'bundle.json'), 'utf8'), text);
    await runOrThrow('sh', ['-c', 'sha256sum bundle.json bundle.tar > SHA256SUMS'], { cwd: forged });
    assert.equal((await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: forged })).code, 0, 'the forger redid the checksums');
    const report = await trust(forged, ['alice', 'bob'], true);
    assert.equal(report.ok, false);
    assert.ok(report.signatures.length === 2 && report.signatures.every((s) => !s.valid && /bundle\.json was changed after it was signed/.test(s.problem!)));
    assert.match(report.problems.join('\n'), /No valid preparer signature/);
    const r = await runFerry(['approve', forged, '--key', key('carol', 'key')], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /has no valid preparer signature \(1 preparer signature\(s\) do not verify for this bundle\.json\)/);
  });
});

describe('signing keys are checked before any network work', () => {
  const unreachable = '127.0.0.1:9/test/none:1';
  const cases: [string, () => string, RegExp][] = [
    ['a public key', () => key('alice', 'pub'), /alice\.pub holds a public key; signing needs the private key/],
    ['a missing file', () => join(work, 'nobody.key'), /nobody\.key does not exist/],
    ['a file that is not a key', () => join(work, 'payload.txt'), /payload\.txt is not a PEM key file/],
  ];
  for (const [what, file, message] of cases) {
    test(`${what}: bad-key, before the (unreachable) registry is tried; no folder made`, async () => {
      writeFileSync(join(work, 'payload.txt'), 'not a key\n');
      const dir = join(work, `never-${what.replace(/\W+/g, '-')}`);
      const r = await runFerry(['bundle', unreachable, '-o', dir, '--insecure-registry', '127.0.0.1:9', '--sign-key', file(), '--json'], { env });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, message);
      const error = (JSON.parse(r.stdout.trim().split('\n').pop()!) as { error: { code: string } }).error;
      assert.equal(error.code, 'bad-key');
      assert.ok(!existsSync(dir), 'nothing written');
    });
  }
});

describe('ferry sign', () => {
  test('signs a bundle made without --sign-key; the signature is trusted', async () => {
    const dir = join(work, 'later');
    assert.equal((await runFerry(bundleArgs(dir), { env })).code, 0);
    assert.ok(!existsSync(join(dir, 'signatures')));
    const r = await runFerry(['sign', dir, '--key', key('carol', 'key')], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Signed bundle [0-9a-f-]{36} as preparer\\n.*\\n  key ${short('carol')} \\(${ids.carol}\\)`));
    const report = await trust(dir, ['carol']);
    assert.equal(report.ok, true, report.problems.join('\n'));
    const bad = await runFerry(['sign', join(work, 'nowhere'), '--key', key('carol', 'key')], { env });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /No bundle at .*nowhere/);

    // bundling again into the folder with --force drops the old signatures with the old bundle
    const again = await runFerry([...bundleArgs(dir), '--force', '--sign-key', key('alice', 'key')], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(readdirSync(join(dir, 'signatures')), [`preparer-${short('alice')}.json`]);
    assert.equal((await trust(dir, ['alice'])).ok, true);
  });
});
