// `ferry bundle --referrers` end to end: cosign signatures, attestations and SBOMs (cosign tags) and an OCI 1.1
// referrer pushed into a real docker-registry (2.8: no referrers API, so the tag schema fallback), carried,
// verified, imported into another real registry and served; checked with skopeo and the real CLI.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import {
  cosignAttachSbom,
  cosignAttest,
  cosignSign,
  cosignTagOf,
  flipByte,
  makeCosignKey,
  makeSpdxSbom,
  makeTempDir,
  pushImage,
  pushOciReferrer,
  removeDir,
  run,
  seedTestImages,
  skopeo,
  skopeoFlags,
  startRegistry,
  type CosignKey,
  type PushedArtifact,
  type RegistryHandle,
  type SeededTestImages,
} from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';
import type { BundleManifest } from '../../shared/bundle-manifest.js';
import type { VerifyReport } from '../../shared/verify-report.js';
import { serveBundle } from '../../electron/engine/index.js';

const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const readBundle = (dir: string): BundleManifest => JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as BundleManifest;

let work: string;
let env: NodeJS.ProcessEnv;
let source: RegistryHandle;
let images: SeededTestImages;
let ecdsa: CosignKey;
let ed25519: CosignKey;
let other: CosignKey;
let multiSig: PushedArtifact;
let sharedSig: PushedArtifact;
let sharedAtt: PushedArtifact;
let sharedSbom: PushedArtifact;
let referrer: PushedArtifact;
let dir: string;
let bundle: BundleManifest;

before(async () => {
  work = await makeTempDir('ferry-e2e-referrers');
  mkdirSync(join(work, 'home'));
  env = { HOME: join(work, 'home'), XDG_CACHE_HOME: join(work, 'cache'), DOCKER_CONFIG: join(work, 'home', '.docker'), XDG_RUNTIME_DIR: join(work, 'home'), REGISTRY_AUTH_FILE: '' };
  source = await startRegistry();
  images = await seedTestImages(source);
  ecdsa = makeCosignKey('ecdsa-p256', work, 'ecdsa');
  ed25519 = makeCosignKey('ed25519', work, 'ed25519');
  other = makeCosignKey('ecdsa-p256', work, 'other');
  const { multi, shared } = images;
  multiSig = await cosignSign(source, multi.repository, multi.digest, `${source.host}/${multi.repository}`, ecdsa);
  sharedSig = await cosignSign(source, shared.repository, shared.digest, `${source.host}/${shared.repository}`, ed25519);
  sharedAtt = await cosignAttest(source, shared.repository, shared.digest, `${source.host}/${shared.repository}`, ed25519, 'https://slsa.dev/provenance/v0.2', { builder: { id: 'ferry-test' } });
  sharedSbom = await cosignAttachSbom(source, shared.repository, shared.digest, makeSpdxSbom('shared', ['busybox', 'musl', 'zlib']));
  referrer = await pushOciReferrer(source, shared.repository, { digest: shared.digest, size: shared.manifest.size, mediaType: shared.mediaType }, 'application/spdx+json', makeSpdxSbom('shared-oci', ['a', 'b', 'c', 'd', 'e']));
  dir = join(work, 'bundle');
  const refs = ['test/multi:1', 'test/shared:1', 'test/single:1.0'].map((r) => `${source.host}/${r}`);
  const result = await runFerry(['bundle', '--referrers', '--insecure-registry', source.host, '--no-cache', '-o', dir, ...refs], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Referrers carried: 2 signatures, 1 attestation, 2 sboms \(listed per image in bundle\.json\)\./);
  bundle = readBundle(dir);
});

after(async () => {
  await Promise.allSettled([source?.stop()]);
  if (work) await removeDir(work);
});

describe('ferry bundle --referrers', () => {
  test('bundle.json lists each image’s cosign tags and OCI referrers, and the archive holds their manifests and blobs', () => {
    const byRepo = new Map(bundle.images.map((i) => [i.repository, i]));
    const multi = byRepo.get('test/multi')!;
    const shared = byRepo.get('test/shared')!;
    const single = byRepo.get('test/single')!;
    assert.deepEqual(
      multi.referrers?.map((r) => ({ kind: r.kind, subject: r.subject, digest: r.digest, tag: r.tag, source: r.source })),
      [{ kind: 'signature', subject: images.multi.digest, digest: multiSig.digest, tag: cosignTagOf(images.multi.digest, 'sig'), source: 'tag' }],
    );
    const found = (shared.referrers ?? []).map((r) => `${r.kind} ${r.digest} ${r.source} ${r.tag ?? '-'} ${r.artifactType ?? '-'}`).sort();
    assert.deepEqual(
      found,
      [
        `signature ${sharedSig.digest} tag ${cosignTagOf(images.shared.digest, 'sig')} -`,
        `attestation ${sharedAtt.digest} tag ${cosignTagOf(images.shared.digest, 'att')} -`,
        `sbom ${sharedSbom.digest} tag ${cosignTagOf(images.shared.digest, 'sbom')} -`,
        `sbom ${referrer.digest} referrers-api - application/spdx+json`,
      ].sort(),
    );
    assert.deepEqual(single.referrers, [], 'an unsigned image is searched and has none');
    const blobs = new Set(bundle.blobs.map((b) => b.digest));
    for (const a of [multiSig, sharedSig, sharedAtt, sharedSbom, referrer]) {
      assert.ok(blobs.has(a.digest), `manifest ${a.digest} carried`);
      assert.ok(blobs.has(sha(a.layer)), `layer of ${a.digest} carried`);
    }
    assert.equal(bundle.blobs.length, blobs.size, 'every blob once');
  });

  test('the archive still reads as an OCI layout (skopeo) and ferry verify accepts it', async () => {
    const index = JSON.parse((await run('tar', ['-xOf', join(dir, 'bundle.tar'), 'index.json'])).stdout) as { manifests: { digest: string }[] };
    assert.deepEqual(index.manifests.map((m) => m.digest), [images.multi.digest, images.shared.digest, images.single.digest], 'index.json names the images only, no cosign tags');
    const raw = await skopeo(['inspect', '--raw', `oci-archive:${join(dir, 'bundle.tar')}:1`]);
    assert.equal(raw.code, 0, raw.stderr);
    assert.equal(sha(raw.stdout), images.multi.digest);
    const copy = await skopeo(['copy', '--all', `oci-archive:${join(dir, 'bundle.tar')}:1`, `oci:${join(work, 'oci-copy')}:multi`]);
    assert.equal(copy.code, 0, copy.stderr);
    const verify = await runFerry(['verify', dir], { env });
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  });
});

describe('ferry import --cosign-key', () => {
  test('an image without a valid cosign signature by the keys stops the import before anything is pushed', async () => {
    const target = await startRegistry();
    try {
      const r = await runFerry(['import', dir, '--to', target.host, '--insecure-registry', target.host, '--cosign-key', ecdsa.publicKeyFile, '--cosign-key', ed25519.publicKeyFile, '--report', join(work, 'refused.json')], { env });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /nothing was pushed.*test\/single:1\.0: unsigned/s);
      const res = await request(`${target.url}/v2/_catalog`, { dispatcher: target.dispatcher });
      assert.deepEqual(((await res.body.json()) as { repositories?: string[] }).repositories ?? [], []);
    } finally {
      await target.stop();
    }
  });
});

describe('ferry import of a bundle with referrers', () => {
  let target: RegistryHandle;
  before(async () => {
    target = await startRegistry();
    const r = await runFerry(['import', dir, '--to', target.host, '--insecure-registry', target.host, '--report', join(work, 'import.json')], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });
  after(() => target?.stop());

  test('the cosign tags answer with the same manifests in the target (skopeo inspect --raw)', async () => {
    const cases: [string, string, PushedArtifact][] = [
      ['test/multi', images.multi.digest, multiSig],
      ['test/shared', images.shared.digest, sharedSig],
      ['test/shared', images.shared.digest, sharedAtt],
      ['test/shared', images.shared.digest, sharedSbom],
    ];
    for (const [repo, , artifact] of cases) {
      const raw = await skopeo(['inspect', '--raw', ...skopeoFlags(target), `docker://${target.host}/${repo}:${artifact.tag!}`]);
      assert.equal(raw.code, 0, raw.stderr);
      assert.equal(sha(raw.stdout), artifact.digest, `${repo}:${artifact.tag!}`);
    }
  });

  test('the OCI referrer is pushed by digest and listed in the referrers tag schema index of its subject', async () => {
    const raw = await skopeo(['inspect', '--raw', ...skopeoFlags(target), `docker://${target.host}/test/shared@${referrer.digest}`]);
    assert.equal(raw.code, 0, raw.stderr);
    assert.equal(sha(raw.stdout), referrer.digest);
    const index = await skopeo(['inspect', '--raw', ...skopeoFlags(target), `docker://${target.host}/test/shared:${images.shared.digest.replace(':', '-')}`]);
    assert.equal(index.code, 0, index.stderr);
    const listed = (JSON.parse(index.stdout) as { manifests: { digest: string; artifactType?: string }[] }).manifests;
    assert.deepEqual(listed.map((d) => [d.digest, d.artifactType]), [[referrer.digest, 'application/spdx+json']]);
  });

  test('a second import changes nothing and still succeeds (the tag schema index is merged, not duplicated)', async () => {
    const r = await runFerry(['import', dir, '--to', target.host, '--insecure-registry', target.host, '--report', join(work, 'import2.json')], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const index = await skopeo(['inspect', '--raw', ...skopeoFlags(target), `docker://${target.host}/test/shared:${images.shared.digest.replace(':', '-')}`]);
    assert.equal((JSON.parse(index.stdout) as { manifests: unknown[] }).manifests.length, 1);
  });
});

describe('ferry serve of a bundle with referrers', () => {
  test('answers the referrers API (filtered by artifactType) and the cosign tags', async () => {
    const served = await serveBundle({ dirs: [dir], listen: '127.0.0.1:0' });
    try {
      const get = async (path: string): Promise<{ status: number; type: string; body: string }> => {
        const res = await request(`${served.url}${path}`);
        return { status: res.statusCode, type: String(res.headers['content-type']), body: await res.body.text() };
      };
      const all = await get(`/v2/test/shared/referrers/${images.shared.digest}`);
      assert.equal(all.status, 200);
      assert.equal(all.type, 'application/vnd.oci.image.index.v1+json');
      const manifests = (JSON.parse(all.body) as { manifests: { digest: string; artifactType?: string; size: number }[] }).manifests;
      assert.deepEqual(manifests.map((d) => [d.digest, d.artifactType, d.size]), [[referrer.digest, 'application/spdx+json', referrer.bytes.length]]);
      const none = await get(`/v2/test/shared/referrers/${images.shared.digest}?artifactType=application/vnd.cyclonedx%2Bjson`);
      assert.deepEqual((JSON.parse(none.body) as { manifests: unknown[] }).manifests, []);
      const unsigned = await get(`/v2/test/single/referrers/${images.single.digest}`);
      assert.deepEqual((JSON.parse(unsigned.body) as { manifests: unknown[] }).manifests, []);
      const referrerManifest = await get(`/v2/test/shared/manifests/${referrer.digest}`);
      assert.equal(sha(referrerManifest.body), referrer.digest);
      const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${served.host}/test/multi:${multiSig.tag!}`]);
      assert.equal(raw.code, 0, raw.stderr);
      assert.equal(sha(raw.stdout), multiSig.digest);
      const copied = await skopeo(['copy', '--src-tls-verify=false', `docker://${served.host}/test/shared:${sharedSbom.tag!}`, `oci:${join(work, 'sbom-copy')}:sbom`]);
      assert.equal(copied.code, 0, copied.stderr);
    } finally {
      await served.close();
    }
  });
});

/** Bundles these images (no registry host) with --referrers into a fresh folder. */
async function bundleOf(name: string, refs: string[]): Promise<string> {
  const out = join(work, name);
  const r = await runFerry(['bundle', '--referrers', '--insecure-registry', source.host, '--no-cache', '-o', out, ...refs.map((x) => `${source.host}/${x}`)], { env });
  assert.equal(r.code, 0, r.stderr);
  return out;
}

/** `ferry verify --json` with cosign keys: exit code and the cosign verdicts by repository. */
async function verifyCosign(bundleDir: string, keys: CosignKey[], extra: string[] = []): Promise<{ code: number; report: VerifyReport; verdicts: Record<string, string> }> {
  const r = await runFerry(['verify', '--json', bundleDir, ...keys.flatMap((k) => ['--cosign-key', k.publicKeyFile]), ...extra], { env });
  const line = r.stdout.trim().split('\n').find((l) => l.startsWith('{"type":"result"'));
  assert.ok(line, r.stdout + r.stderr);
  const report = JSON.parse(line) as VerifyReport;
  const verdicts = Object.fromEntries((report.cosign?.images ?? []).map((i) => [i.image.split('/').slice(1).join('/'), `${i.verdict}${i.key ? ` ${i.key}` : ''}`]));
  return { code: r.code, report, verdicts };
}

describe('ferry verify --cosign-key', () => {
  test('good signatures by the right keys pass; an unsigned image fails with exit 1', async () => {
    const all = await verifyCosign(dir, [ecdsa, ed25519]);
    assert.deepEqual(all.verdicts, {
      'test/multi:1': `signed-by-key ${ecdsa.publicKeyFile}`,
      'test/shared:1': `signed-by-key ${ed25519.publicKeyFile}`,
      'test/single:1.0': 'unsigned',
    });
    assert.equal(all.code, 1);
    assert.equal(all.report.ok, false);
    assert.equal(all.report.integrity.ok, true, 'the bundle itself is intact');
    const text = await runFerry(['verify', dir, '--cosign-key', ecdsa.publicKeyFile, '--cosign-key', ed25519.publicKeyFile], { env });
    assert.equal(text.code, 1);
    assert.match(text.stdout, /test\/single:1\.0@\S+\s+UNSIGNED/);
    assert.match(text.stderr, /1 image without a valid cosign signature/);

    const signed = await bundleOf('signed', ['test/multi:1', 'test/shared:1']);
    const ok = await verifyCosign(signed, [ecdsa, ed25519]);
    assert.equal(ok.code, 0, JSON.stringify(ok.report.cosign));
    assert.equal(ok.report.ok, true);
  });

  test('a signature by another key is a bad signature (exit 1); a signature over another digest too', async () => {
    const signed = join(work, 'signed');
    const wrongKey = await verifyCosign(signed, [ecdsa, other]);
    assert.equal(wrongKey.code, 1);
    assert.equal(wrongKey.verdicts['test/multi:1'], `signed-by-key ${ecdsa.publicKeyFile}`);
    assert.equal(wrongKey.verdicts['test/shared:1'], 'bad-signature');
    // forged: a valid ECDSA signature, but its payload names another image's digest
    await cosignSign(source, images.single.repository, images.single.digest, `${source.host}/${images.single.repository}`, ecdsa, { payloadDigest: images.multi.digest });
    const forged = await bundleOf('forged', ['test/single:1.0']);
    const result = await verifyCosign(forged, [ecdsa]);
    assert.equal(result.code, 1);
    assert.equal(result.verdicts['test/single:1.0'], 'bad-signature');
    assert.match(result.report.cosign!.images[0]!.problem!, /not the image's digest/);
  });

  test('policy requireCosignSignature is evaluated from the cosign report', async () => {
    const policy = join(work, 'cosign-policy.yaml');
    writeFileSync(policy, 'requireCosignSignature: true\n');
    const without = await verifyCosign(join(work, 'signed'), [], ['--policy', policy]);
    assert.equal(without.code, 1);
    assert.deepEqual(without.report.policy?.violations.map((v) => v.rule), ['requireCosignSignature', 'requireCosignSignature']);
    const withKeys = await verifyCosign(join(work, 'signed'), [ecdsa, ed25519], ['--policy', policy]);
    assert.equal(withKeys.code, 0, JSON.stringify(withKeys.report.policy));
    assert.deepEqual(withKeys.report.policy?.violations, []);
  });
});

describe('ferry inspect of a bundle with SBOMs and attestations', () => {
  test('shows each image’s SBOMs (format, package count) and attestations (predicate type), in text and HTML', async () => {
    const r = await runFerry(['inspect', dir], { env });
    assert.equal(r.code, 0, r.stderr);
    const section = r.stdout.slice(r.stdout.indexOf('Signatures, attestations and SBOMs of ' + `${source.host}/test/shared:1`));
    assert.match(section, /sbom\s+SPDX-2\.3, 3 packages\s+sha256-[a-f0-9]{64}\.sbom/);
    assert.match(section, /sbom\s+SPDX-2\.3, 5 packages\s+referrer of sha256:/);
    assert.match(section, /attestation\s+attestation https:\/\/slsa\.dev\/provenance\/v0\.2/);
    assert.match(section, /signature\s+sha256-[a-f0-9]{64}\.sig/);
    const html = join(work, 'report.html');
    const h = await runFerry(['inspect', dir, '--html', html, '--cosign-key', ecdsa.publicKeyFile], { env });
    assert.equal(h.code, 0, h.stderr);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /<h2>Cosign signatures<\/h2>/);
    assert.match(page, /<h2>Signatures, attestations and SBOMs carried<\/h2>/);
    assert.match(page, /SPDX-2\.3, 5 packages/);
    assert.match(page, /unsigned/);
  });
});

describe('ferry verify --cosign-key across a platform filter', () => {
  let filtered: string;
  before(async () => {
    filtered = join(work, 'filtered');
    const r = await runFerry(['bundle', '--referrers', '--platform', 'linux/amd64', '--insecure-registry', source.host, '--no-cache', '-o', filtered, `${source.host}/test/multi:1`], { env });
    assert.equal(r.code, 0, r.stderr);
  });

  test('the published index and its signature are carried; verify passes, saying it is signed via the published index', async () => {
    const image = readBundle(filtered).images[0]!;
    const amd64 = images.multi.platforms.find((p) => p.platform.architecture === 'amd64')!;
    assert.equal(image.digest, amd64.manifest.digest, 'one platform: its manifest is carried as the top');
    assert.equal(image.originalDigest, images.multi.digest);
    assert.deepEqual(image.originalManifest, { digest: images.multi.digest, size: images.multi.manifest.size, mediaType: images.multi.mediaType });
    assert.ok(readBundle(filtered).blobs.some((b) => b.digest === images.multi.digest), 'the published index is a listed blob');
    assert.ok(image.referrers?.some((r) => r.subject === images.multi.digest && r.digest === multiSig.digest && r.tag === cosignTagOf(images.multi.digest, 'sig')), 'the signature of the published digest is carried');

    const json = await verifyCosign(filtered, [ecdsa]);
    assert.equal(json.code, 0, JSON.stringify(json.report));
    assert.equal(json.report.integrity.ok, true, 'the published index is evidence, not walked: no missing-reference fault');
    const check = json.report.cosign!.images[0]!;
    assert.deepEqual(
      { verdict: check.verdict, key: check.key, via: check.via, signedDigest: check.signedDigest, platforms: check.platforms },
      { verdict: 'signed-by-key', key: ecdsa.publicKeyFile, via: 'published-index', signedDigest: images.multi.digest, platforms: { carried: 1, published: 3 } },
    );
    const text = await runFerry(['verify', filtered, '--cosign-key', ecdsa.publicKeyFile], { env });
    assert.equal(text.code, 0, text.stdout + text.stderr);
    assert.match(text.stdout, /signed by \S+ecdsa\.pub \(the published index sha256:[a-f0-9]{12}…; 1 of 3 platforms carried\)/);
    const inspect = await runFerry(['inspect', filtered, '--html', join(work, 'filtered.html'), '--cosign-key', ecdsa.publicKeyFile], { env });
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, /the published index is carried too, as evidence for signatures over sha256:/);
    assert.match(readFileSync(join(work, 'filtered.html'), 'utf8'), /via the published index sha256:[a-f0-9]{12}…; 1 of 3 platforms carried/);
  });

  test('a copy whose carried published index was altered fails (exit 1): a bad signature naming the image and digest', async () => {
    const tampered = join(work, 'filtered-tampered');
    cpSync(filtered, tampered, { recursive: true });
    const tar = join(tampered, 'bundle.tar');
    const at = readFileSync(tar).indexOf(images.multi.manifest.bytes);
    assert.ok(at > 0, 'the published index bytes are in the archive');
    flipByte(tar, at + images.multi.manifest.bytes.indexOf('manifests') + 1);
    const r = await verifyCosign(tampered, [ecdsa]);
    assert.equal(r.code, 1);
    const check = r.report.cosign!.images[0]!;
    assert.equal(check.verdict, 'bad-signature');
    assert.match(check.problem!, new RegExp(`test/multi:1: a signature by \\S+ecdsa\\.pub names the published index ${images.multi.digest}, but the carried copy of that index hashes to sha256:`));
  });

  test('per-platform signatures (cosign sign --recursive) vouch for a filtered index of two platforms', async () => {
    await pushImage(source, 'test/recursive', '1', images.multi);
    for (const p of images.multi.platforms) await cosignSign(source, 'test/recursive', p.manifest.digest, `${source.host}/test/recursive`, ed25519);
    const out = join(work, 'recursive');
    const b = await runFerry(['bundle', '--referrers', '--platform', 'linux/amd64', '--platform', 'linux/arm64', '--insecure-registry', source.host, '--no-cache', '-o', out, `${source.host}/test/recursive:1`], { env });
    assert.equal(b.code, 0, b.stderr);
    const r = await verifyCosign(out, [ed25519]);
    assert.equal(r.code, 0, JSON.stringify(r.report));
    const check = r.report.cosign!.images[0]!;
    assert.deepEqual({ verdict: check.verdict, via: check.via, platforms: check.platforms, signatures: check.signatures }, { verdict: 'signed-by-key', via: 'platform-manifests', platforms: { carried: 2 }, signatures: 2 });
    const text = await runFerry(['verify', out, '--cosign-key', ed25519.publicKeyFile], { env });
    assert.match(text.stdout, /signed by \S+ed25519\.pub \(each carried platform manifest \(2\)\)/);
    const wrong = await verifyCosign(out, [ecdsa]);
    assert.equal(wrong.code, 1, 'another key does not vouch');
  });

  test('import of a filtered bundle pushes the signatures but warns that they name the published index', async () => {
    const target = await startRegistry();
    try {
      const r = await runFerry(['import', filtered, '--to', target.host, '--insecure-registry', target.host, '--report', join(work, 'filtered-import.json')], { env });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stderr, new RegExp(`warning: Signatures of \\S+test/multi:1's published index ${images.multi.digest} are pushed, but the target holds the platform-filtered`));
    } finally {
      await target.stop();
    }
  });
});
