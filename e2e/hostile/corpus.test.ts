// A bundle is hostile input: the named corpus (names nobody reviewed, paths and links, archive faults a forger
// re-seals, control characters) through every offline command of the engine, in-process. Each command gets its own
// freshly crafted copy; each must refuse with a FerryError naming the fault (or, where its job allows, go on), write
// nothing outside its targets, leave the bundle as it was, and push or place nothing it refused.
// The special files and absurd numbers (FIFOs, /dev/zero, 1 GiB, 2^53) run in special-files.test.ts, in a sandbox.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NAMED_CASES, OFFLINE_COMMANDS, type HostileCase } from '../harness/hostile-bundles.js';
import { runOffline } from '../harness/hostile-commands.js';
import { describeObservations, prepareHostileBase, registryCatalog, runCorpusCase, type CorpusContext, type HostileBase } from '../harness/hostile-oracle.js';
import { startRegistry, type RegistryHandle } from '../harness/registry.js';

let base: HostileBase;
let registry: RegistryHandle;
let ctx: CorpusContext;

before(async () => {
  [base, registry] = await Promise.all([prepareHostileBase(), startRegistry()]);
  ctx = {
    base: base.bundle.dir,
    facts: base.facts,
    work: join(base.bundle.work, 'runs'),
    env: { registryHost: registry.host, preparerKey: base.preparerKey, approverKey: base.approverKey, timeoutMs: 20_000 },
    run: runOffline,
    registry,
    preparer: base.preparer,
  };
});
after(async () => {
  await registry?.stop();
  await base?.bundle.cleanup();
});

/** The pristine bundle, through the same oracle: proves the corpus's refusals come from the crafts, not the setup. */
const CONTROL: HostileCase = {
  name: 'control/pristine',
  group: 'names',
  about: 'the pristine bundle, signed by its preparer',
  level: 'folder',
  fault: [],
  expect: Object.fromEntries(OFFLINE_COMMANDS.map((c) => [c, 'accept'])),
};

describe('hostile bundles: the named corpus, in-process', () => {
  test('control: the pristine bundle passes every offline command, and the oracle sees what they write', { timeout: 120_000 }, async (t) => {
    const { problems, observations } = await runCorpusCase(CONTROL, ctx);
    t.diagnostic(describeObservations(observations));
    assert.deepEqual(problems, []);
    const seen = new Map(observations.map((o) => [o.command, o]));
    assert.ok(seen.get('import')!.pushed.length > 0, 'the import pushed a repository: the catalog check sees pushes');
    assert.ok(seen.get('place')!.targets.some((l) => /targets\/place\/ferry-.*\.tar appeared/.test(l)), `place wrote the archive: ${seen.get('place')!.targets.join('; ')}`);
    assert.ok(seen.get('files-to')!.targets.some((l) => /targets\/files\/release-notes\.txt appeared/.test(l)), 'files-to wrote the plain file');
    assert.ok(seen.get('import')!.targets.some((l) => /targets\/mirror\/.*hosts\.toml appeared/.test(l)), 'import wrote the mirror configuration');
    assert.ok(seen.get('split')!.bundle.some((l) => /bundle\.tar\.p01 appeared/.test(l)), 'split changed the bundle: the tree check sees it');
    assert.ok((await registryCatalog(registry)).length > 0);
  });

  for (const c of NAMED_CASES.filter((n) => n.group !== 'special')) {
    test(`${c.name}: ${c.about}`, { timeout: 180_000 }, async (t) => {
      const { problems, observations } = await runCorpusCase(c, ctx);
      t.diagnostic(describeObservations(observations));
      assert.equal(problems.length, 0, `${c.name} (${c.about}), ${problems.length} failure(s):\n  ${problems.join('\n  ')}`);
    });
  }
});
