// Cosign key loading and signature checks with real keys made by node's crypto (the harness signs as cosign does),
// SBOM facts and referrer kinds.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cosignSignBytes, makeCosignKey, makeTempDir, removeDir, simpleSigningPayload } from '../../../e2e/harness/index.js';
import { referrerKind } from './referrer-kind.js';
import { cosignTag, tagSchemaTag } from './referrer-tags.js';
import { sbomFacts } from './summarize-artifacts.js';
import { cosignSignatureValid, loadCosignKeys } from './verify-cosign.js';

let dir: string;
before(async () => {
  dir = await makeTempDir('ferry-cosign-keys');
});
after(() => removeDir(dir));

const digest = `sha256:${'ab'.repeat(32)}`;

describe('cosign keys and signatures', () => {
  test('ECDSA P-256, Ed25519 and RSA public keys load; each verifies its own signature and no other', async () => {
    const keys = (['ecdsa-p256', 'ed25519', 'rsa'] as const).map((type) => makeCosignKey(type, dir, type));
    const loaded = await loadCosignKeys(keys.map((k) => k.publicKeyFile));
    assert.deepEqual(loaded.map((k) => k.type), ['ecdsa-p256', 'ed25519', 'rsa']);
    const payload = simpleSigningPayload('registry.test/app', digest);
    for (const [i, key] of keys.entries()) {
      const signature = cosignSignBytes(key, payload);
      assert.deepEqual(loaded.map((k) => cosignSignatureValid(k, payload, signature)), loaded.map((_, j) => j === i), key.type);
      const changed = Buffer.from(payload.toString().replace('ab', 'cd'));
      assert.equal(cosignSignatureValid(loaded[i]!, changed, signature), false, `${key.type}: a changed payload fails`);
    }
    assert.equal(cosignSignatureValid(loaded[0]!, payload, 'not base64 at all!'), false);
  });

  test('a P-384 key or a file that is no key is refused as bad usage, naming the file', async () => {
    const p384 = join(dir, 'p384.pub');
    writeFileSync(p384, generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'pem' }).toString());
    await assert.rejects(loadCosignKeys([p384]), (e: Error & { code?: string }) => e.code === 'bad-usage' && /p384\.pub is a ec key on secp384r1/.test(e.message));
    const junk = join(dir, 'junk.pub');
    writeFileSync(junk, 'hello\n');
    await assert.rejects(loadCosignKeys([junk]), (e: Error & { code?: string }) => e.code === 'bad-usage' && /junk\.pub cannot be read as a PEM public key/.test(e.message));
  });
});

describe('SBOM facts, referrer kinds and tags', () => {
  test('SPDX and CycloneDX documents give their format and package count; other JSON none', () => {
    assert.deepEqual(sbomFacts({ spdxVersion: 'SPDX-2.3', packages: [{}, {}] }), { format: 'SPDX-2.3', packages: 2 });
    assert.deepEqual(sbomFacts({ bomFormat: 'CycloneDX', specVersion: '1.5', components: [{}, {}, {}] }), { format: 'CycloneDX 1.5', packages: 3 });
    assert.equal(sbomFacts({ hello: 1 }), undefined);
    assert.equal(sbomFacts('text'), undefined);
  });

  test('kinds come from the cosign tag, else the artifact type, else the layers', () => {
    assert.equal(referrerKind('sha256-x.sig', undefined, []), 'signature');
    assert.equal(referrerKind('sha256-x.att', undefined, []), 'attestation');
    assert.equal(referrerKind('sha256-x.sbom', undefined, []), 'sbom');
    assert.equal(referrerKind(undefined, 'application/spdx+json', []), 'sbom');
    assert.equal(referrerKind(undefined, 'application/vnd.cyclonedx+json', []), 'sbom');
    assert.equal(referrerKind(undefined, undefined, [{ mediaType: 'application/vnd.dsse.envelope.v1+json' }]), 'attestation');
    assert.equal(referrerKind(undefined, 'application/vnd.dev.sigstore.signature', []), 'signature');
    assert.equal(referrerKind(undefined, 'application/vnd.example.readme', []), 'other');
    assert.equal(cosignTag(digest, 'sig'), `sha256-${'ab'.repeat(32)}.sig`);
    assert.equal(tagSchemaTag(digest), `sha256-${'ab'.repeat(32)}`);
  });
});
