// signBundle / approveBundle / checkTrust on a real bundle (made by the real engine from a real
// registry), with real Ed25519 keys: what is trusted, what is not, and every way a signature can
// fail to bind this bundle.json.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTestBundle, rejectsWith, type TestBundle } from '../../../e2e/harness/index.js';
import type { SignatureDocument } from '../../../shared/signature.js';
import type { TrustReport } from '../../../shared/verify-report.js';
import { approveBundle, checkTrust, generateSigningKey, signBundle, type GeneratedSigningKey } from '../index.js';
import { loadSigningKey } from './key-files.js';
import { makeSignatureDocument, writeSignatureDocument } from './sign-bundle.js';

let bundle: TestBundle;
let alice: GeneratedSigningKey;
let bob: GeneratedSigningKey;
let carol: GeneratedSigningKey;

before(async () => {
  bundle = await makeTestBundle();
  alice = await generateSigningKey(join(bundle.work, 'alice'));
  bob = await generateSigningKey(join(bundle.work, 'bob'));
  carol = await generateSigningKey(join(bundle.work, 'carol'));
});
after(async () => {
  await bundle?.cleanup();
});

/** A fresh copy of the whole real bundle: signing and approving verify it whole before they write. */
function freshCopy(): string {
  return bundle.copy();
}

const bundleJson = (dir: string): Buffer => readFileSync(join(dir, 'bundle.json'));
const check = (dir: string, trustedKeys: string[] = [], requireApproval = false): Promise<TrustReport> =>
  checkTrust({ dir, bundleJson: bundleJson(dir), trustedKeys, requireApproval });
const readDoc = (file: string): SignatureDocument => JSON.parse(readFileSync(file, 'utf8')) as SignatureDocument;

describe('a bundle signed by its preparer', () => {
  let dir: string;
  before(async () => {
    dir = freshCopy();
    await signBundle(dir, alice.privateKeyFile);
  });

  test('the signature document holds who signed what, and only signatures/ was written', () => {
    assert.deepEqual(readdirSync(dir).sort(), [...readdirSync(bundle.dir), 'signatures'].sort());
    const names = readdirSync(join(dir, 'signatures'));
    assert.deepEqual(names, [`preparer-${alice.keyId.slice(0, 16)}.json`]);
    const doc = readDoc(join(dir, 'signatures', names[0]!));
    assert.equal(doc.mediaType, 'application/vnd.ferry.signature.v1+json');
    assert.equal(doc.schemaVersion, 1);
    assert.equal(doc.role, 'preparer');
    assert.equal(doc.keyId, alice.keyId);
    assert.equal(doc.publicKey, readFileSync(alice.publicKeyFile, 'utf8'));
    assert.equal(doc.bundleId, bundle.manifest.id);
    assert.equal(doc.bundleSha256, sha256hex(bundleJson(dir)));
    assert.ok(Math.abs(Date.parse(doc.created) - Date.now()) < 60_000);
    assert.equal(Buffer.from(doc.signature, 'base64').length, 64);
  });

  test('trusted with the preparer key: ok, the signature valid and trusted', async () => {
    const report = await check(dir, [alice.publicKeyFile]);
    assert.equal(report.ok, true, report.problems.join('\n'));
    assert.deepEqual(report.problems, []);
    assert.equal(report.signatures.length, 1);
    const [s] = report.signatures;
    assert.deepEqual({ ...s, created: undefined }, {
      file: `signatures/preparer-${alice.keyId.slice(0, 16)}.json`,
      role: 'preparer',
      keyId: alice.keyId,
      created: undefined,
      valid: true,
      trusted: true,
      trustedKey: alice.publicKeyFile,
    });
    assert.deepEqual(report.trustedKeys, [{ file: alice.publicKeyFile, keyId: alice.keyId }]);
  });

  test('with only another key trusted: not ok, saying no preparer signature is by a trusted key', async () => {
    const report = await check(dir, [bob.publicKeyFile]);
    assert.equal(report.ok, false);
    assert.equal(report.signatures[0]!.valid, true);
    assert.equal(report.signatures[0]!.trusted, false);
    assert.equal(report.problems.length, 1);
    assert.match(report.problems[0]!, new RegExp(`No preparer signature is by a trusted key: signed by ${alice.keyId.slice(0, 16)}…, trusted: ${bob.keyId.slice(0, 16)}`));
  });

  test('with no trusted keys: the signature is listed and checked, nothing is required', async () => {
    const report = await check(dir);
    assert.equal(report.ok, true);
    assert.equal(report.signatures[0]!.valid, true);
    assert.equal(report.signatures[0]!.trusted, false);
  });

  test('requiring an approval that is missing: not ok, naming what is missing', async () => {
    const report = await check(dir, [alice.publicKeyFile, bob.publicKeyFile], true);
    assert.equal(report.ok, false);
    assert.deepEqual(report.problems, ["The bundle is not approved: an approval by a trusted key other than the preparer's is required."]);
  });

  test('requiring an approval without trusted keys is a usage error', async () => {
    await rejectsWith(check(dir, [], true), 'bad-usage', /needs the trusted public keys/);
  });

  test('a trusted key given as a private key file or a missing file is a bad-key error', async () => {
    await rejectsWith(check(dir, [alice.privateKeyFile]), 'bad-key', /alice\.key holds a private key/);
    await rejectsWith(check(dir, [join(bundle.work, 'nobody.pub')]), 'bad-key', /nobody\.pub does not exist/);
  });
});

describe('the two-person rule', () => {
  let dir: string;
  before(async () => {
    dir = freshCopy();
    await signBundle(dir, alice.privateKeyFile, 'preparer');
  });

  test('approveBundle refuses the preparer\'s own key and writes nothing', async () => {
    await rejectsWith(approveBundle(dir, alice.privateKeyFile), 'bad-usage', /The preparer cannot approve their own bundle/);
    assert.deepEqual(readdirSync(join(dir, 'signatures')), [`preparer-${alice.keyId.slice(0, 16)}.json`]);
  });

  test('a hand-made approver signature by the preparer\'s key does not satisfy requireApproval', async () => {
    const self = freshCopy();
    await signBundle(self, alice.privateKeyFile, 'preparer');
    await signBundle(self, alice.privateKeyFile, 'approver');
    const report = await check(self, [alice.publicKeyFile, bob.publicKeyFile], true);
    assert.equal(report.ok, false);
    assert.ok(report.signatures.every((s) => s.valid && s.trusted), 'both signatures are genuine');
    assert.deepEqual(report.problems, [
      `The only approvals by a trusted key are by a preparer's own key (${alice.keyId.slice(0, 16)}…); the two-person rule needs an approval by a different trusted key.`,
    ]);
    // without requireApproval it is a properly prepared bundle
    assert.equal((await check(self, [alice.publicKeyFile])).ok, true);
  });

  test('a second key approves: ok with requireApproval when both keys are trusted', async () => {
    const result = await approveBundle(dir, bob.privateKeyFile);
    assert.equal(result.role, 'approver');
    assert.equal(result.keyId, bob.keyId);
    assert.deepEqual(result.preparers, [alice.keyId]);
    assert.equal(result.file, join(dir, 'signatures', `approver-${bob.keyId.slice(0, 16)}.json`));
    const report = await check(dir, [alice.publicKeyFile, bob.publicKeyFile], true);
    assert.equal(report.ok, true, report.problems.join('\n'));
    assert.deepEqual(report.signatures.map((s) => [s.role, s.keyId, s.valid, s.trusted]).sort(), [
      ['approver', bob.keyId, true, true],
      ['preparer', alice.keyId, true, true],
    ]);
  });

  test('an approval by an untrusted key does not count', async () => {
    const report = await check(dir, [alice.publicKeyFile, carol.publicKeyFile], true);
    assert.equal(report.ok, false);
    assert.deepEqual(report.problems, [
      `No approval is by a trusted key: approved by ${bob.keyId.slice(0, 16)}…; an approval by a trusted key other than the preparer's is required.`,
    ]);
  });

  test('the approver alone trusted: the preparer signature is not trusted, so not ok', async () => {
    const report = await check(dir, [bob.publicKeyFile], true);
    assert.equal(report.ok, false);
    assert.match(report.problems.join('\n'), /No preparer signature is by a trusted key/);
  });

  test('approveBundle refuses a bundle with no preparer signature', async () => {
    const unsigned = freshCopy();
    assert.equal((await rejectsWith(approveBundle(unsigned, bob.privateKeyFile), 'untrusted', /has no valid preparer signature: .*the preparer signs first\.$/)).hint, 'sign-as-preparer');
  });
});

describe('signatures that do not bind this bundle.json', () => {
  test('bundle.json changed after signing (an image digest rewritten): the signature fails, even with no trusted keys', async () => {
    const dir = freshCopy();
    await signBundle(dir, alice.privateKeyFile);
    await approveBundle(dir, bob.privateKeyFile);
    const text = readFileSync(join(dir, 'bundle.json'), 'utf8');
    const digest = bundle.manifest.images[0]!.digest;
    writeFileSync(join(dir, 'bundle.json'), text.replaceAll(digest, `sha256:${'0'.repeat(64)}`));
    for (const trusted of [[], [alice.publicKeyFile, bob.publicKeyFile]]) {
      const report = await check(dir, trusted, trusted.length > 0);
      assert.equal(report.ok, false);
      assert.equal(report.signatures.length, 2);
      for (const s of report.signatures) {
        assert.equal(s.valid, false);
        assert.match(s.problem!, /It signs a bundle\.json with sha256 [0-9a-f]{16}…, but this bundle\.json has sha256 [0-9a-f]{16}…: bundle\.json was changed after it was signed\./);
      }
      assert.ok(report.problems.some((p) => p.startsWith(`signatures/preparer-${alice.keyId.slice(0, 16)}.json: It signs a bundle.json`)));
    }
    // and an approver now refuses to countersign it
    await rejectsWith(approveBundle(dir, carol.privateKeyFile), 'untrusted', /no valid preparer signature \(1 preparer signature\(s\) do not verify/);
  });

  test('a signature of another bundle copied in: it signs another bundle id', async () => {
    const other = freshCopy();
    const text = readFileSync(join(other, 'bundle.json'), 'utf8');
    writeFileSync(join(other, 'bundle.json'), text.replace(bundle.manifest.id, '00000000-0000-4000-8000-000000000000'));
    // signed as a forger would: no verification (ferry sign would refuse this altered bundle)
    const written = await writeSignatureDocument(other, makeSignatureDocument(await loadSigningKey(alice.privateKeyFile), 'preparer', '00000000-0000-4000-8000-000000000000', readFileSync(join(other, 'bundle.json'))));
    const dir = freshCopy();
    mkdirSync(join(dir, 'signatures'));
    renameSync(written.file, join(dir, 'signatures', 'preparer-copied.json'));
    const report = await check(dir, [alice.publicKeyFile]);
    assert.equal(report.ok, false);
    assert.equal(report.signatures[0]!.problem, `It signs bundle 00000000-0000-4000-8000-000000000000, not this bundle (${bundle.manifest.id}).`);
  });

  describe('altered or forged documents', () => {
    let dir: string;
    let docFile: string;
    let original: SignatureDocument;
    before(async () => {
      dir = freshCopy();
      docFile = (await signBundle(dir, alice.privateKeyFile)).file;
      original = readDoc(docFile);
    });
    const withDoc = async (change: (doc: Record<string, unknown>) => void): Promise<TrustReport> => {
      const doc: Record<string, unknown> = { ...original };
      change(doc);
      writeFileSync(docFile, JSON.stringify(doc));
      return check(dir, [alice.publicKeyFile, bob.publicKeyFile]);
    };

    test('the signing time changed: the signature does not verify', async () => {
      const report = await withDoc((d) => (d.created = '2001-01-01T00:00:00.000Z'));
      assert.equal(report.ok, false);
      assert.match(report.signatures[0]!.problem!, /Its signature does not verify against key [0-9a-f]{16}…: the document was altered after signing, or forged\./);
    });

    test('the role relabelled from preparer to approver: the signature does not verify', async () => {
      const report = await withDoc((d) => (d.role = 'approver'));
      assert.equal(report.signatures[0]!.role, 'approver');
      assert.equal(report.signatures[0]!.valid, false);
      assert.match(report.signatures[0]!.problem!, /does not verify/);
    });

    test("claiming to be another trusted key (bob's id and public key, alice's signature): does not verify", async () => {
      const bobPem = readFileSync(bob.publicKeyFile, 'utf8');
      const report = await withDoc((d) => Object.assign(d, { keyId: bob.keyId, publicKey: bobPem }));
      const [s] = report.signatures;
      assert.equal(s!.keyId, bob.keyId);
      assert.equal(s!.trusted, true, 'it names a trusted key');
      assert.equal(s!.valid, false, 'but is not valid');
      assert.equal(report.ok, false);
      assert.match(report.problems.join('\n'), /does not verify/);
      assert.match(report.problems.join('\n'), /No valid preparer signature/);
    });

    test("a key id that is not the carried key's: refused before the signature is even checked", async () => {
      const report = await withDoc((d) => (d.keyId = bob.keyId));
      assert.match(report.signatures[0]!.problem!, new RegExp(`Its keyId ${bob.keyId.slice(0, 16)}… is not the id of the public key it carries \\(${alice.keyId.slice(0, 16)}…\\)`));
    });

    test('a truncated signature, a missing field and a newer schema are each named', async () => {
      let report = await withDoc((d) => (d.signature = Buffer.alloc(32).toString('base64')));
      assert.equal(report.signatures[0]!.problem, 'Its signature is 32 bytes, not an Ed25519 signature.');
      report = await withDoc((d) => delete d.bundleSha256);
      assert.match(report.signatures[0]!.problem!, /^It is not a valid Ferry signature document \(bundleSha256: /);
      report = await withDoc((d) => (d.schemaVersion = 2));
      assert.match(report.signatures[0]!.problem!, /uses signature schema 2; this Ferry reads schema 1/);
    });

    test('the original document verifies again once restored', async () => {
      const report = await withDoc(() => undefined);
      assert.equal(report.ok, true, report.problems.join('\n'));
    });
  });

  test('junk in signatures/ is listed with a problem each; unfinished writes (dot files) are skipped', async () => {
    const dir = freshCopy();
    await signBundle(dir, alice.privateKeyFile);
    const sig = join(dir, 'signatures');
    writeFileSync(join(sig, 'broken.json'), '{ "role": "approver", ');
    writeFileSync(join(sig, 'other.json'), JSON.stringify({ hello: 'world' }));
    mkdirSync(join(sig, 'nested'));
    writeFileSync(join(sig, '.ferry-1234abcd-approver-x.json.partial'), 'half');
    const report = await check(dir, [alice.publicKeyFile]);
    assert.deepEqual(
      report.signatures.map((s) => [s.file, s.valid, s.role, s.problem]),
      [
        ['signatures/broken.json', false, 'unknown', 'It is not valid JSON, so it is not a Ferry signature document.'],
        ['signatures/nested', false, 'unknown', 'It is not read: signatures/nested is not a regular file (a folder); only regular files are read from a bundle.'],
        ['signatures/other.json', false, 'unknown', 'It is not a Ferry signature document (its mediaType is not application/vnd.ferry.signature.v1+json).'],
        [`signatures/preparer-${alice.keyId.slice(0, 16)}.json`, true, 'preparer', undefined],
      ],
    );
    assert.equal(report.ok, false, 'a file in signatures/ that is not a valid signature needs a human to look');
    assert.equal(report.problems.length, 3);
  });

  test('an unsigned bundle with trusted keys: not ok, saying it is not signed', async () => {
    const report = await check(freshCopy(), [alice.publicKeyFile]);
    assert.equal(report.ok, false);
    assert.deepEqual(report.signatures, []);
    assert.match(report.problems[0]!, /^The bundle is not signed/);
  });
});

function sha256hex(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

describe('the signatures of several volumes of one set', () => {
  let a: string;
  let b: string;
  before(async () => {
    a = freshCopy();
    b = freshCopy();
    await signBundle(a, alice.privateKeyFile);
    mkdirSync(join(b, 'signatures'));
    const name = `preparer-${alice.keyId.slice(0, 16)}.json`;
    copyFileSync(join(a, 'signatures', name), join(b, 'signatures', name));
  });
  const checkBoth = (dirs: string[]): Promise<TrustReport> =>
    checkTrust({ dirs, bundleJson: bundleJson(a), trustedKeys: [alice.publicKeyFile, bob.publicKeyFile], requireApproval: true });

  test('identical copies are listed once with both volumes; an approval on one volume counts for the set, with a warning', async () => {
    const written = await approveBundle(b, bob.privateKeyFile);
    assert.deepEqual(written.volumes, [{ dir: b, file: join(b, 'signatures', `approver-${bob.keyId.slice(0, 16)}.json`) }]);
    const report = await checkBoth([a, b]);
    assert.equal(report.ok, true, report.problems.join(' '));
    assert.deepEqual(
      report.signatures.map((s) => [s.role, s.volumes]),
      [
        ['approver', [b]],
        ['preparer', [a, b]],
      ],
    );
    assert.deepEqual(report.warnings, [
      `approval by ${bob.keyId.slice(0, 16)} is on ${b} only (not on ${a}) — approve again with every volume (${a} ${b}), or copy signatures/ from ${b} to ${a}.`,
    ]);
    // one folder read alone: as before, no volume lists
    assert.equal((await check(a)).signatures[0]!.volumes, undefined);
  });

  test('a copy altered on one volume is listed apart and fails the set, though the other copy is fine', async () => {
    const file = join(b, 'signatures', `preparer-${alice.keyId.slice(0, 16)}.json`);
    const original = readFileSync(file);
    writeFileSync(file, JSON.stringify({ ...readDoc(file), created: '2001-01-01T00:00:00.000Z' }, null, 2));
    try {
      const report = await checkBoth([a, b]);
      assert.equal(report.ok, false);
      const preparers = report.signatures.filter((s) => s.role === 'preparer');
      assert.deepEqual(preparers.map((s) => [s.valid, s.volumes]), [
        [true, [a]],
        [false, [b]],
      ]);
      assert.match(report.problems.join(' '), /does not verify/);
    } finally {
      writeFileSync(file, original);
    }
  });
});
