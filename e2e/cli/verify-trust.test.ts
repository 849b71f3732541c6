// `ferry verify --trust --require-approval --policy` and `ferry inspect --html` with those checks:
// the real CLI on a real signed bundle, real Ed25519 keys, a real YAML policy.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { approveBundle, generateSigningKey } from '../../electron/engine/index.js';
import type { VerifyReport } from '../../shared/verify-report.js';
import { makeTestBundle, run, type TestBundle } from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';

let bundle: TestBundle;
let alice: { key: string; pub: string };
let bob: { key: string; pub: string };

const json = (stdout: string): VerifyReport => JSON.parse(stdout.split('\n').find((l) => l.includes('"type":"result"'))!) as VerifyReport;

before(async () => {
  bundle = await makeTestBundle({ split: '1MiB', bigLayers: 2 });
  const a = await generateSigningKey(join(bundle.work, 'alice'));
  const b = await generateSigningKey(join(bundle.work, 'bob'));
  alice = { key: a.privateKeyFile, pub: a.publicKeyFile };
  bob = { key: b.privateKeyFile, pub: b.publicKeyFile };
  const sign = await runFerry(['sign', bundle.dir, '--key', alice.key]);
  assert.equal(sign.code, 0, sign.stderr);
});
after(() => bundle?.cleanup());

describe('ferry verify with trust and policy', () => {
  test('trusted preparer: exit 0; only an unknown key trusted: exit 1, untrusted', async () => {
    const ok = await runFerry(['verify', bundle.dir, '--trust', alice.pub]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /✓ signatures/);
    const untrusted = await runFerry(['verify', bundle.dir, '--trust', bob.pub, '--json']);
    assert.equal(untrusted.code, 1);
    const report = json(untrusted.stdout);
    assert.equal(report.integrity.ok, true);
    assert.equal(report.trust?.ok, false);
    assert.match(untrusted.stderr, /not trusted/);
  });

  test('--require-approval: refused until a second trusted key approves; usage error without --trust', async () => {
    const both = ['--trust', alice.pub, '--trust', bob.pub, '--require-approval'];
    const before = await runFerry(['verify', bundle.dir, ...both]);
    assert.equal(before.code, 1, before.stdout);
    assert.match(before.stdout, /problem: .*approv/i);
    assert.equal((await runFerry(['verify', bundle.dir, '--require-approval'])).code, 2);
    await approveBundle(bundle.dir, bob.key);
    const after = await runFerry(['verify', bundle.dir, ...both]);
    assert.equal(after.code, 0, after.stdout + after.stderr);
    assert.match(after.stdout, /approver/);
  });

  test('a policy: every violation listed together, exit 1; a passing policy, exit 0; a bad policy file, exit 2', async () => {
    const strict = join(bundle.work, 'strict.yaml');
    writeFileSync(strict, 'version: 1\nallowedRegistries: [registry.corp.example]\nrequireDigest: true\nforbiddenTags: ["1", "1.0"]\nmaxBundleSize: 2MiB\n');
    const r = await runFerry(['verify', bundle.dir, '--policy', strict, '--json']);
    assert.equal(r.code, 1);
    const report = json(r.stdout);
    const rules = new Set(report.policy!.violations.map((v) => v.rule));
    for (const rule of ['allowedRegistries', 'requireDigest', 'forbiddenTags', 'maxBundleSize']) assert.ok(rules.has(rule), `${rule} in ${[...rules].join(',')}`);
    for (const image of bundle.manifest.images) assert.ok(report.policy!.violations.some((v) => v.subject === image.reference), image.reference);

    const fine = join(bundle.work, 'fine.yaml');
    writeFileSync(fine, 'version: 1\nrequiredPlatforms: [linux/amd64]\nminSignatures: 1\nminApprovals: 1\n');
    const passing = await runFerry(['verify', bundle.dir, '--policy', fine, '--trust', alice.pub, '--trust', bob.pub]);
    assert.equal(passing.code, 0, passing.stdout + passing.stderr);
    assert.match(passing.stdout, /✓ policy/);

    const bad = join(bundle.work, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nforbidenTags: [latest]\n');
    const usage = await runFerry(['verify', bundle.dir, '--policy', bad]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /forbidenTags/);
  });

  test('the HTML report shows signatures, approvals, policy and integrity verdicts', async () => {
    const policy = join(bundle.work, 'tags.yaml');
    writeFileSync(policy, 'version: 1\nforbiddenTags: ["1.0"]\n');
    const out = join(bundle.work, 'review.html');
    const r = await runFerry(['inspect', bundle.dir, '--html', out, '--trust', alice.pub, '--trust', bob.pub, '--require-approval', '--policy', policy, '--verify']);
    assert.equal(r.code, 0, r.stderr);
    const html = readFileSync(out, 'utf8');
    assert.match(html, /Integrity<\/span><strong>PASS/);
    assert.match(html, /Signatures<\/span><strong>PASS/);
    assert.match(html, /Policy<\/span><strong>FAIL/);
    assert.match(html, /<td>preparer<\/td>/);
    assert.match(html, /<td>approver<\/td>/);
    assert.match(html, /forbiddenTags/);
  });

  test('bundle.json rewritten and SHA256SUMS redone: integrity passes, the signatures fail even without --trust', async () => {
    const path = join(bundle.dir, 'bundle.json');
    const original = readFileSync(path);
    const sums = readFileSync(join(bundle.dir, 'SHA256SUMS'));
    try {
      const changed = Buffer.from(original.toString().replace(/"created": "[^"]+"/, '"created": "2020-01-01T00:00:00.000Z"'));
      assert.notDeepEqual(changed, original);
      writeFileSync(path, changed);
      const hash = createHash('sha256').update(changed).digest('hex');
      writeFileSync(join(bundle.dir, 'SHA256SUMS'), sums.toString().replace(/^[0-9a-f]{64}(?= {2}bundle\.json$)/m, hash));
      assert.equal((await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: bundle.dir })).code, 0);
      const r = await runFerry(['verify', bundle.dir, '--json']);
      assert.equal(r.code, 1);
      const report = json(r.stdout);
      assert.equal(report.integrity.ok, true);
      assert.equal(report.trust?.ok, false);
      assert.ok(report.trust!.signatures.every((s) => !s.valid));
    } finally {
      writeFileSync(path, original);
      writeFileSync(join(bundle.dir, 'SHA256SUMS'), sums);
    }
  });
});
