// Cosign key loading and signature checks with real keys made by node's crypto (the harness signs as cosign does),
// SBOM facts and referrer kinds.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BundleManifest, ImageRecord } from '../../../shared/bundle-manifest.js';
import {
  cosignSign,
  cosignSignBytes,
  makeCosignKey,
  makeTempDir,
  pushImage,
  removeDir,
  seedTestImages,
  simpleSigningPayload,
  startRegistry,
  type CosignKey,
  type SeededTestImages,
} from '../../../e2e/harness/index.js';
import { BundleArchive } from '../bundle/bundle-archive.js';
import { createBundle } from '../bundle/create-bundle.js';
import { referrerKind } from './referrer-kind.js';
import { cosignTag, tagSchemaTag } from './referrer-tags.js';
import { sbomFacts } from './summarize-artifacts.js';
import { cosignSignatureValid, describeCosignVia, loadCosignKeys, verifyCosignSignatures, type CosignPublicKey } from './verify-cosign.js';

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

describe('cosign verdicts across a platform filter (real registry, real bundle)', () => {
  let images: SeededTestImages;
  let key: CosignKey;
  let recursiveKey: CosignKey;
  let keys: CosignPublicKey[];
  let manifest: BundleManifest;
  let archive: BundleArchive;
  const check = async (m: BundleManifest, ks = keys): Promise<ReturnType<typeof verifyCosignSignatures>> => verifyCosignSignatures(m, archive, ks);
  const withImage = (name: string, change: (image: ImageRecord) => ImageRecord): BundleManifest => ({
    ...manifest,
    images: manifest.images.map((i) => (i.repository === name ? change(structuredClone(i)) : i)),
  });

  before(async () => {
    const registry = await startRegistry();
    try {
      images = await seedTestImages(registry);
      key = makeCosignKey('ecdsa-p256', dir, 'index');
      recursiveKey = makeCosignKey('ed25519', dir, 'recursive');
      keys = await loadCosignKeys([key.publicKeyFile, recursiveKey.publicKeyFile]);
      const { multi } = images;
      // test/multi: the index signed (cosign sign IMAGE); test/recursive: the same image, each platform manifest signed (--recursive)
      await cosignSign(registry, multi.repository, multi.digest, `${registry.host}/${multi.repository}`, key);
      await pushImage(registry, 'test/recursive', '1', multi);
      for (const p of multi.platforms) await cosignSign(registry, 'test/recursive', p.manifest.digest, `${registry.host}/test/recursive`, recursiveKey);
      const result = await createBundle({
        cache: false,
        images: [`${registry.host}/test/multi:1`, `${registry.host}/test/recursive:1`],
        outputDir: join(dir, 'bundle'),
        platforms: ['linux/amd64', 'linux/arm64'],
        referrers: true,
        registry: { insecureRegistries: [registry.host] },
      });
      manifest = result.manifest;
    } finally {
      await registry.stop();
    }
    archive = await BundleArchive.open([join(dir, 'bundle')]);
  });
  after(() => archive?.close());

  test('the published index is carried and recorded; a signature over it vouches for the filtered index', async () => {
    const multi = manifest.images.find((i) => i.repository === 'test/multi')!;
    assert.notEqual(multi.digest, images.multi.digest, 'two of three platforms: a new index');
    assert.deepEqual(multi.originalManifest, { digest: images.multi.digest, size: images.multi.manifest.size, mediaType: images.multi.mediaType });
    assert.ok(manifest.blobs.some((b) => b.digest === images.multi.digest), 'listed in blobs');
    const report = await check(manifest);
    const verdict = report.images.find((i) => i.image.includes('test/multi'))!;
    assert.deepEqual(
      { verdict: verdict.verdict, key: verdict.key, via: verdict.via, signedDigest: verdict.signedDigest, platforms: verdict.platforms },
      { verdict: 'signed-by-key', key: key.publicKeyFile, via: 'published-index', signedDigest: images.multi.digest, platforms: { carried: 2, published: 3 } },
    );
    assert.match(describeCosignVia(verdict), /^the published index sha256:[a-f0-9]{12}…; 2 of 3 platforms carried$/);
  });

  test('signatures on every carried platform manifest vouch too (cosign sign --recursive)', async () => {
    const report = await check(manifest);
    const verdict = report.images.find((i) => i.image.includes('test/recursive'))!;
    assert.deepEqual({ verdict: verdict.verdict, key: verdict.key, via: verdict.via, platforms: verdict.platforms }, { verdict: 'signed-by-key', key: recursiveKey.publicKeyFile, via: 'platform-manifests', platforms: { carried: 2 } });
    assert.equal(verdict.signatures, 2, 'one signature per carried platform; the third platform is not carried');
    assert.equal(report.ok, true);
    // with only the index key, the recursive image is not signed by it: the platform signatures do not verify
    const onlyIndexKey = await check(manifest, keys.slice(0, 1));
    const bad = onlyIndexKey.images.find((i) => i.image.includes('test/recursive'))!;
    assert.equal(bad.verdict, 'bad-signature');
    assert.match(bad.problem!, /does not verify with the key/);
  });

  test('a published index that is not the one carried, or a carried manifest it does not list, is a bad signature naming the image and digest', async () => {
    const other = manifest.images.find((i) => i.repository === 'test/recursive')!;
    // bundle.json points the published index at a blob whose bytes hash to something else
    const swapped = await check(withImage('test/multi', (i) => ({ ...i, originalManifest: { ...i.originalManifest!, digest: other.digest } })));
    const a = swapped.images.find((i) => i.image.includes('test/multi'))!;
    assert.equal(a.verdict, 'bad-signature');
    assert.match(a.problem!, new RegExp(`test/multi:1: a signature by .*index\\.pub names the published index ${images.multi.digest}, but bundle\\.json records the carried published index as ${other.digest}`));
    // the carried image lists a manifest the published index does not (the single image's manifest)
    const foreign = { digest: images.single.digest, size: images.single.manifest.size, mediaType: images.single.mediaType, platform: { os: 'linux', architecture: 'amd64' } };
    const added = await check(withImage('test/multi', (i) => ({ ...i, manifests: [...i.manifests, foreign] })));
    const b = added.images.find((i) => i.image.includes('test/multi'))!;
    assert.equal(b.verdict, 'bad-signature');
    assert.match(b.problem!, new RegExp(`test/multi:1: .* but the carried image lists ${images.single.digest}, which that index does not`));
    // the same platform manifest under another platform
    const relabelled = await check(withImage('test/multi', (i) => ({ ...i, manifests: i.manifests.map((m, n) => (n === 0 ? { ...m, platform: { os: 'linux', architecture: 's390x' } } : m)) })));
    assert.match(relabelled.images.find((i) => i.image.includes('test/multi'))!.problem!, /as linux\/s390x, that index as linux\/amd64/);
    assert.equal(relabelled.ok, false);
  });

  test('without the carried published index (older bundles) the index signature cannot vouch: unsigned, saying why', async () => {
    const report = await check(withImage('test/multi', (i) => {
      delete i.originalManifest;
      return i;
    }));
    const verdict = report.images.find((i) => i.image.includes('test/multi'))!;
    assert.equal(verdict.verdict, 'unsigned');
    assert.match(verdict.problem!, /the bundle does not carry that index/);
  });
});
