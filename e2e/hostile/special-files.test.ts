// A bundle is hostile input: special files and absurd numbers. bundle.json, SHA256SUMS, the split journal or the archive
// part as a link to /dev/zero or a FIFO nobody writes to; a 1 GiB (sparse) bundle.json; sizes of 2^53 − 1; a field
// nested 200 000 deep; parity.shardSize = 2^52; the same file listed twice. Every offline command runs in a sandbox
// child whose time and RSS are bounded from outside: a command that opens a FIFO blocking, or reads /dev/zero whole,
// is killed and reported as such instead of hanging or exhausting the test run.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NAMED_CASES } from '../harness/hostile-bundles.js';
import { HostileSandbox } from '../harness/hostile-commands.js';
import { describeObservations, prepareHostileBase, runCorpusCase, type CorpusContext, type HostileBase } from '../harness/hostile-oracle.js';
import { startRegistry, type RegistryHandle } from '../harness/registry.js';

/** RSS growth allowed per call (the sandbox kills beyond it). */
const RSS_LIMIT_MB = 200;

let base: HostileBase;
let registry: RegistryHandle;
let sandbox: HostileSandbox;
let ctx: CorpusContext;

before(async () => {
  [base, registry] = await Promise.all([prepareHostileBase(), startRegistry()]);
  sandbox = new HostileSandbox(RSS_LIMIT_MB);
  ctx = {
    base: base.bundle.dir,
    facts: base.facts,
    work: join(base.bundle.work, 'runs'),
    // a FIFO or /dev/zero must be refused at once: 10 s is generous for an 18 KB bundle, even on a loaded machine
    env: { registryHost: registry.host, preparerKey: base.preparerKey, approverKey: base.approverKey, timeoutMs: 10_000 },
    run: (command, folders, env) => sandbox.run(command, folders, env),
    registry,
    preparer: base.preparer,
  };
});
after(async () => {
  await sandbox?.stop();
  await registry?.stop();
  await base?.bundle.cleanup();
});

describe(`hostile bundles: special files and absurd numbers, in a sandbox (${RSS_LIMIT_MB} MB, 10 s per call)`, () => {
  for (const c of NAMED_CASES.filter((n) => n.group === 'special')) {
    test(`${c.name}: ${c.about}`, { timeout: 240_000 }, async (t) => {
      const { problems, observations } = await runCorpusCase(c, ctx);
      t.diagnostic(describeObservations(observations));
      if (c.memory) t.diagnostic(`peak RSS growth: ${Math.max(0, ...observations.map((o) => o.outcome.rssGrowthMb ?? 0))} MB`);
      assert.equal(problems.length, 0, `${c.name} (${c.about}), ${problems.length} failure(s):\n  ${problems.join('\n  ')}`);
    });
  }
});
