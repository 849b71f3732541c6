// The Review store over the real API host (real inspect, signatures, sign, approve, verify and report handlers) on a
// real bundle made from a real registry; only `bundle.copies` (which lists mounted volumes) is replaced where a test
// needs copies on media, and one handler is held back to prove a late answer about another bundle is dropped.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BundleCopiesResult, BundleSignaturesResult } from '../../shared/api-contract.js';
import { generateSigningKey, signBundle, type GeneratedSigningKey } from '../../electron/engine/index.js';
import { makeTestBundle, type TestBundle } from '../../e2e/harness/index.js';
import { signatureWords } from '../components/signature-words.js';
import { createReviewStore, needsPreparer, signingTargets } from './review-store.js';
import { storeTestHost, type StoreTestHost } from './store-test-host.js';

let bundle: TestBundle;
let alice: GeneratedSigningKey;
let bob: GeneratedSigningKey;
let signed: string;
const hosts: StoreTestHost[] = [];

before(async () => {
  bundle = await makeTestBundle({ split: '1MiB' });
  alice = await generateSigningKey(join(bundle.work, 'alice'));
  bob = await generateSigningKey(join(bundle.work, 'bob'));
  signed = bundle.copy();
  await signBundle(signed, alice.privateKeyFile, 'preparer');
});
after(async () => {
  for (const h of hosts) await h.close();
  await bundle?.cleanup();
});

/** A store on a fresh real host (some handlers replaced). */
function reviewOn(handlers: Parameters<typeof storeTestHost>[0] = {}) {
  const host = storeTestHost(handlers);
  hosts.push(host);
  return { host, store: createReviewStore(host.api) };
}

/** Resolves once `read` of the store's state is no longer running (a change that re-reads something in the background). */
function settled(store: { getState(): unknown; subscribe(listener: () => void): () => void }, read: () => { status: string }): Promise<void> {
  return new Promise((resolve) => {
    if (read().status !== 'running') return resolve();
    const stop = store.subscribe(() => {
      if (read().status === 'running') return;
      stop();
      resolve();
    });
  });
}

const approverFile = (dir: string, key: GeneratedSigningKey): string => join(dir, 'signatures', `approver-${key.keyId.slice(0, 16)}.json`);
const preparerFile = (dir: string, key: GeneratedSigningKey): string => join(dir, 'signatures', `preparer-${key.keyId.slice(0, 16)}.json`);

describe('review store: signatures on open, one wording', () => {
  test('opening shows every signature at once (trust not checked without keys); trusted keys re-check it', async () => {
    const { store, host } = reviewOn();
    const s = store.getState;
    s().setPath(signed);
    await s().open();
    assert.equal(s().bundle.status, 'done');
    const first = s().signatures;
    assert.ok(first.status === 'done', JSON.stringify(first));
    assert.equal(first.result.signatures.length, 1);
    const [sig] = first.result.signatures;
    assert.equal(sig!.role, 'preparer');
    assert.equal(sig!.valid, true);
    assert.equal(sig!.keyId, alice.keyId);
    assert.deepEqual(first.result.trustedKeys, []);
    assert.equal(signatureWords(sig!, false), `Preparer valid, key ${alice.keyId.slice(0, 16)}, trust not checked (no trusted keys given)`);
    assert.equal(needsPreparer(s()), false);
    // a key file that cannot be read is said, not fatal; the readable one counts
    s().setTrustedKeys(`${alice.publicKeyFile}\n${join(bundle.work, 'missing.pub')}`);
    await settled(store, () => s().signatures);
    const checked = s().signatures as { status: 'done'; result: BundleSignaturesResult };
    assert.equal(checked.result.signatures[0]!.trusted, true);
    assert.equal(checked.result.keyProblems.length, 1);
    assert.match(checked.result.keyProblems[0]!.message, /missing\.pub/);
    assert.deepEqual(host.inputsOf('bundle.signatures').at(-1), { dirs: [signed], trustedKeys: [alice.publicKeyFile, join(bundle.work, 'missing.pub')] });
  });

  test('the panel, the Verify verdict and the Approve box word the same signature the same way', async () => {
    const { store } = reviewOn();
    const s = store.getState;
    const dir = bundle.copy();
    await signBundle(dir, alice.privateKeyFile, 'preparer');
    s().setPath(dir);
    await s().open();
    s().setTrustedKeys(`${alice.publicKeyFile}\n${bob.publicKeyFile}`);
    await settled(store, () => s().signatures);
    s().setApproveKey(bob.privateKeyFile);
    await s().approve();
    const approval = s().approval;
    assert.ok(approval.status === 'done', JSON.stringify(approval));
    await s().verifyBundle();
    const verify = s().verify;
    assert.ok(verify.status === 'done', JSON.stringify(verify));
    const trust = verify.result.trust!;
    const panel = s().signatures as { status: 'done'; result: BundleSignaturesResult };
    const panelWords = panel.result.signatures.map((x) => signatureWords(x, panel.result.trustedKeys.length > 0));
    const verdictWords = trust.signatures.map((x) => signatureWords(x, (trust.trustedKeys?.length ?? 0) > 0));
    assert.deepEqual(panelWords, verdictWords);
    assert.deepEqual(panelWords, [
      `Approver valid, key ${bob.keyId.slice(0, 16)}, trusted (${bob.publicKeyFile})`,
      `Preparer valid, key ${alice.keyId.slice(0, 16)}, trusted (${alice.publicKeyFile})`,
    ]);
  });
});

describe('review store: sign as preparer, approve every copy', () => {
  test('an unsigned bundle: approve is refused with the sign-as-preparer hint; Sign as preparer, then Approve', async () => {
    const { store } = reviewOn();
    const s = store.getState;
    const dir = bundle.copy();
    s().setPath(dir);
    await s().open();
    assert.equal(needsPreparer(s()), true, 'no preparer signature: the wizard offers to sign');
    s().setApproveKey(bob.privateKeyFile);
    await s().approve();
    const refused = s().approval;
    assert.ok(refused.status === 'failed');
    assert.equal(refused.error.hint, 'sign-as-preparer');
    assert.equal(existsSync(approverFile(dir, bob)), false);
    await s().signAsPreparer();
    assert.match((s().signing as { status: 'failed'; error: { message: string } }).error.message, /preparer's private key/);
    s().setSignKey(alice.privateKeyFile);
    await s().signAsPreparer();
    assert.equal(s().signing.status, 'done', JSON.stringify(s().signing));
    assert.equal(s().approval.status, 'idle', 'the refusal asking for a preparer is gone');
    assert.equal(needsPreparer(s()), false);
    await s().approve();
    assert.equal(s().approval.status, 'done', JSON.stringify(s().approval));
    const sigs = (s().signatures as { status: 'done'; result: BundleSignaturesResult }).result.signatures;
    assert.deepEqual(sigs.map((x) => [x.role, x.keyId, x.valid]), [
      ['approver', bob.keyId, true],
      ['preparer', alice.keyId, true],
    ]);
  });

  test('copies on media: signed and approved on every copy with the same bundle.json, not on one that differs', async () => {
    const dir = bundle.copy();
    const stickA = bundle.copy();
    const stickB = bundle.copy();
    const copies: BundleCopiesResult = {
      bundleId: bundle.manifest.id,
      copies: [
        { dir: stickA, label: 'STICK-A', sameBundleJson: true },
        { dir: stickB, label: 'STICK-B', sameBundleJson: true },
        { dir: join(bundle.work, 'older'), label: '', sameBundleJson: false },
      ],
    };
    const { store, host } = reviewOn({ handlers: { 'bundle.copies': async () => copies } });
    const s = store.getState;
    s().setPath(dir);
    await s().open();
    assert.deepEqual(signingTargets(s()), [dir, stickA, stickB], 'every copy with the same bundle.json, by default');
    s().setSignKey(alice.privateKeyFile);
    await s().signAsPreparer();
    assert.equal(s().signing.status, 'done', JSON.stringify(s().signing));
    assert.deepEqual(host.inputsOf('bundle.sign'), [{ dirs: [dir, stickA, stickB], keyFile: alice.privateKeyFile }]);
    s().setApproveKey(bob.privateKeyFile);
    await s().approve();
    const approval = s().approval;
    assert.ok(approval.status === 'done', JSON.stringify(approval));
    assert.deepEqual(approval.result.volumes.map((v) => v.dir), [dir, stickA, stickB]);
    for (const d of [dir, stickA, stickB]) {
      assert.ok(existsSync(preparerFile(d, alice)), `preparer signature on ${d}`);
      assert.ok(existsSync(approverFile(d, bob)), `approval on ${d}`);
    }
    // the same document on each: identical bytes
    assert.equal(readFileSync(approverFile(stickA, bob), 'utf8'), readFileSync(approverFile(dir, bob), 'utf8'));
    // "only this folder": the next approval goes here alone
    s().setAllCopies(false);
    assert.deepEqual(signingTargets(s()), [dir]);
  });
});

describe('review store: no stale state', () => {
  test('opening another bundle drops everything of the first, and a late answer about the first is dropped', async () => {
    let release: (() => void) | undefined;
    const held = new Promise<void>((r) => (release = r));
    let asked: (() => void) | undefined;
    const firstAsked = new Promise<void>((r) => (asked = r));
    let first = true;
    const { host } = reviewOn();
    const { store } = reviewOn({
      handlers: {
        // the first bundle's signatures answer late: after the second bundle is open
        'bundle.signatures': async (input) => {
          if (first) {
            first = false;
            asked!();
            await held;
            return { bundleSha256: 'stale', signatures: [], trustedKeys: [], keyProblems: [], warnings: [] };
          }
          return host.api.call('bundle.signatures', input);
        },
      },
    });
    const s = store.getState;
    const unsigned = bundle.copy();
    s().setPath(unsigned);
    const opening = s().open();
    await firstAsked;
    s().setPath(signed);
    await s().open();
    release!();
    await opening;
    const sigs = s().signatures;
    assert.ok(sigs.status === 'done', JSON.stringify(sigs));
    assert.notEqual(sigs.result.bundleSha256, 'stale', 'the late answer about the first bundle was dropped');
    assert.equal(sigs.result.signatures[0]!.keyId, alice.keyId);
  });

  test('a verdict, a report and an approval refusal do not outlive a new bundle; changed trusted keys reset the verdict', async () => {
    const { store } = reviewOn();
    const s = store.getState;
    s().setPath(signed);
    await s().open();
    await s().verifyBundle();
    assert.equal(s().verify.status, 'done');
    s().setApproveKey(alice.privateKeyFile);
    await s().approve();
    assert.equal(s().approval.status, 'failed', "the preparer's own key is refused");
    s().setTrustedKeys(alice.publicKeyFile);
    assert.equal(s().verify.status, 'idle', 'a verdict under other trusted keys no longer stands');
    await settled(store, () => s().signatures);
    await s().verifyBundle();
    assert.equal(s().verify.status, 'done');
    s().setPath(bundle.dir);
    await s().open();
    assert.equal(s().verify.status, 'idle');
    assert.equal(s().approval.status, 'idle');
    assert.equal(s().report.status, 'idle');
    assert.equal(s().trustedKeys, alice.publicKeyFile, 'the settings stay as typed');
  });

  test('the HTML report holds the integrity verdict of this session’s Verify of this bundle, never without one', async () => {
    const { store } = reviewOn();
    const s = store.getState;
    const dir = bundle.copy();
    s().setPath(dir);
    await s().open();
    s().setReportPath(join(bundle.work, 'before.html'));
    await s().exportReport();
    const before = s().report;
    assert.ok(before.status === 'done' && before.result.integrity === undefined, JSON.stringify(before));
    assert.doesNotMatch(readFileSync(join(bundle.work, 'before.html'), 'utf8'), /<h2>Integrity<\/h2>/);
    await s().verifyBundle();
    assert.equal(s().verify.status, 'done');
    s().setReportPath(join(bundle.work, 'after.html'));
    await s().exportReport();
    const after = s().report;
    assert.ok(after.status === 'done' && after.result.integrity?.ok === true, JSON.stringify(after));
    assert.match(readFileSync(join(bundle.work, 'after.html'), 'utf8'), /<h2>Integrity<\/h2><p>Intact: \d+ blobs/);
  });
});
