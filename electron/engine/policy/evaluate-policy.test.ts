// evaluatePolicy against real bundles (made by the real engine from a real registry) and real
// signatures: a policy every image breaks in every way, reported together; a policy a
// digest-pinned, signed and approved bundle passes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTestBundle, type TestBundle } from '../../../e2e/harness/index.js';
import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import { approveBundle, bundleSize, checkTrust, evaluatePolicy, generateSigningKey, parsePolicy, signBundle, type GeneratedSigningKey } from '../index.js';

let byTag: TestBundle;
let byDigest: TestBundle;
let alice: GeneratedSigningKey;
let bob: GeneratedSigningKey;

before(async () => {
  // test/multi:1, test/shared:1, test/single:1.0 and test/big:1 (two random 1 MiB layers), named by tag
  byTag = await makeTestBundle({ bigLayers: 2 });
  // the same reproducible test images, named by digest
  const digestOf = (repo: string): string => byTag.manifest.images.find((i) => i.repository === repo)!.originalDigest;
  byDigest = await makeTestBundle({ images: ['test/multi', 'test/shared', 'test/single'].map((r) => `${r}@${digestOf(r)}`) });
  alice = await generateSigningKey(join(byTag.work, 'alice'));
  bob = await generateSigningKey(join(byTag.work, 'bob'));
});
after(async () => {
  await Promise.all([byTag?.cleanup(), byDigest?.cleanup()]);
});

const trustOf = async (b: TestBundle, trusted: string[]) =>
  checkTrust({ dir: b.dir, bundleJson: readFileSync(join(b.dir, 'bundle.json')), trustedKeys: trusted });

describe('a policy the tag-named bundle breaks in every way', () => {
  const policyText = [
    'allowedRegistries: [registry.corp.example, "*.corp.example"]',
    'requireDigest: true',
    'forbiddenTags: ["1", "1.*"]',
    'requiredPlatforms: [linux/amd64, linux/arm64]',
    'maxBundleSize: 1MiB',
    'minSignatures: 1',
    'minApprovals: 1',
  ].join('\n');

  test('every violation is listed together, each naming its image (or the bundle)', async () => {
    await signBundle(byTag.dir, alice.privateKeyFile);
    const trust = await trustOf(byTag, [bob.publicKeyFile]); // alice signed, but only bob is trusted
    const violations = evaluatePolicy(parsePolicy(policyText, 'strict.yaml'), byTag.manifest, trust);
    const m = byTag.manifest;
    const ref = (repo: string): string => m.images.find((i) => i.repository === repo)!.reference;
    const host = m.images[0]!.registry;
    assert.deepEqual(
      violations.map((v) => [v.rule, v.subject]),
      [
        ['allowedRegistries', ref('test/multi')],
        ['requireDigest', ref('test/multi')],
        ['forbiddenTags', ref('test/multi')],
        ['allowedRegistries', ref('test/shared')],
        ['requireDigest', ref('test/shared')],
        ['forbiddenTags', ref('test/shared')],
        ['requiredPlatforms', ref('test/shared')],
        ['allowedRegistries', ref('test/single')],
        ['requireDigest', ref('test/single')],
        ['forbiddenTags', ref('test/single')],
        ['requiredPlatforms', ref('test/single')],
        ['allowedRegistries', ref('test/big')],
        ['requireDigest', ref('test/big')],
        ['forbiddenTags', ref('test/big')],
        ['requiredPlatforms', ref('test/big')],
        ['maxBundleSize', m.id],
        ['minSignatures', m.id],
        ['minApprovals', m.id],
      ],
    );
    const message = (rule: string, repo?: string): string =>
      violations.find((v) => v.rule === rule && (repo === undefined || v.subject === ref(repo)))!.message;
    assert.equal(message('allowedRegistries', 'test/multi'), `${ref('test/multi')} comes from registry ${host}, which the policy does not allow (allowed: registry.corp.example, *.corp.example).`);
    assert.equal(message('requireDigest', 'test/single'), `${ref('test/single')} was named "${host}/test/single:1.0", by tag rather than pinned by digest; the policy requires references of the form name@sha256:….`);
    assert.equal(message('forbiddenTags', 'test/multi'), `${ref('test/multi')} uses the tag "1", which the policy forbids.`);
    assert.equal(message('forbiddenTags', 'test/single'), `${ref('test/single')} uses the tag "1.0", which the policy forbids (1.*).`);
    // linux/arm64 is carried by multi as linux/arm64/v8 (the same platform), by no other image
    assert.equal(message('requiredPlatforms', 'test/shared'), `${ref('test/shared')} does not carry linux/arm64, which the policy requires (it carries linux/amd64).`);
    assert.match(message('maxBundleSize'), new RegExp(`^The bundle is [0-9.]+ MB \\(${m.archive.size} bytes\\), over the policy's maximum of 1\\.05 MB \\(1048576 bytes\\)\\.$`));
    assert.equal(message('minSignatures'), 'The bundle has 0 valid preparer signature(s) by distinct trusted keys; the policy requires 1.');
    assert.equal(message('minApprovals'), "The bundle has 0 valid approval(s) by distinct trusted keys other than the preparer's; the policy requires 1.");
    for (const v of violations) assert.ok(v.message.includes(v.subject!) || v.subject === m.id, `names its image: ${v.message}`);
  });

  test('without a trust report the signature rules say signatures were not checked', () => {
    const violations = evaluatePolicy(parsePolicy('minSignatures: 1\nminApprovals: 2\n', 'p.yaml'), byTag.manifest);
    assert.deepEqual(violations.map((v) => v.message), [
      'The policy requires 1 preparer signature(s) by trusted keys, but signatures were not checked (give the trusted public keys).',
      'The policy requires 2 approval(s) by trusted keys, but signatures were not checked (give the trusted public keys).',
    ]);
  });
});

describe('a policy the digest-pinned, signed and approved bundle passes', () => {
  let policyText: string;
  before(async () => {
    await signBundle(byDigest.dir, alice.privateKeyFile);
    await approveBundle(byDigest.dir, bob.privateKeyFile);
    policyText = [
      `allowedRegistries: ["registry.corp.example", "${byDigest.manifest.images[0]!.registry}"]`,
      'requireDigest: true',
      'forbiddenTags: [latest, "*-dev"]',
      'requiredPlatforms: [linux/amd64]',
      'maxBundleSize: 1MiB',
      'minSignatures: 1',
      'minApprovals: 1',
    ].join('\n');
  });

  test('no violations', async () => {
    const trust = await trustOf(byDigest, [alice.publicKeyFile, bob.publicKeyFile]);
    assert.equal(trust.ok, true, trust.problems.join('\n'));
    assert.ok(byDigest.manifest.images.every((i) => i.tag === undefined && i.source.includes('@sha256:')));
    assert.ok(bundleSize(byDigest.manifest) < 1024 * 1024);
    assert.deepEqual(evaluatePolicy(parsePolicy(policyText, 'pass.yaml'), byDigest.manifest, trust), []);
  });

  test('the same bundle, the approver not trusted: only minApprovals is violated', async () => {
    const trust = await trustOf(byDigest, [alice.publicKeyFile]);
    assert.deepEqual(evaluatePolicy(parsePolicy(policyText, 'pass.yaml'), byDigest.manifest, trust).map((v) => v.rule), ['minApprovals']);
  });

  test('a wildcard port and host glob allow the loopback registry', () => {
    const policy = parsePolicy('allowedRegistries: ["127.0.0.*:*"]\n', 'p.yaml');
    assert.deepEqual(evaluatePolicy(policy, byDigest.manifest), []);
  });

  test('two approvals required, one given', async () => {
    const trust = await trustOf(byDigest, [alice.publicKeyFile, bob.publicKeyFile]);
    const [v] = evaluatePolicy(parsePolicy('minApprovals: 2\n', 'p.yaml'), byDigest.manifest, trust);
    assert.equal(v!.message, "The bundle has 1 valid approval(s) by distinct trusted keys other than the preparer's; the policy requires 2.");
  });
});

describe('records a reviewer may meet', () => {
  const clone = (m: BundleManifest): BundleManifest => JSON.parse(JSON.stringify(m)) as BundleManifest;

  test('an image with no platform record cannot show it carries a required platform', () => {
    const m = clone(byDigest.manifest);
    const single = m.images.find((i) => i.repository === 'test/single')!;
    for (const record of single.manifests) delete record.platform;
    const violations = evaluatePolicy(parsePolicy('requiredPlatforms: [linux/amd64]\n', 'p.yaml'), m);
    assert.deepEqual(violations, [
      {
        rule: 'requiredPlatforms',
        subject: single.reference,
        message: `${single.reference} carries no platform record, so it cannot be shown to carry linux/amd64, which the policy requires.`,
      },
    ]);
  });

  test('the bundle size counts parity parts', () => {
    const m = clone(byDigest.manifest);
    const before = bundleSize(m);
    m.archive.parity = { scheme: 'reed-solomon-gf256-cauchy-v1', dataParts: 1, shardSize: 2_000_000, parts: [{ name: 'bundle.tar.p01', size: 2_000_000, sha256: '0'.repeat(64) }] };
    assert.equal(bundleSize(m), before + 2_000_000);
    assert.deepEqual(evaluatePolicy(parsePolicy('maxBundleSize: 1MiB\n', 'p.yaml'), m).map((v) => v.rule), ['maxBundleSize']);
  });
});
