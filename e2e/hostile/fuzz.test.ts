// A bundle is hostile input: a seeded fuzz. FERRY_FUZZ_COUNT mutations (default 2 000 here; `npm run fuzz` runs 50 000):
// about two thirds of bundle.json (type swaps, huge/negative/fractional numbers, strings with controls, `..` and `/`,
// duplicated and deleted items and keys, values copied from elsewhere), the rest of the archive (each tar header field —
// name, size, type flag, checksum, linkname, mode, mtime, magic, prefix —, entries duplicated, dropped, moved and
// inserted, pax records, data cut or flipped, extra index.json and manifest.json entries), each resealed as a forger
// would. The seed is printed; FERRY_FUZZ_SEED replays a run, FERRY_FUZZ_ONLY=i one iteration (through every command).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bundleJsonSweep, fuzzSeed, headerSweep, iterationSeed, joinTar, mulberry32, mutateArchive, mutateBundleJson, type BundleDraft } from '../harness/hostile-bundles.js';
import {
  archiveIteration,
  bundleJsonIteration,
  checkArchiveDraft,
  checkBundleJsonText,
  fuzzSettings,
  fuzzSetup,
  FuzzFindings,
  pristineDraft,
  type FuzzSetup,
  type IterationResult,
} from '../harness/hostile-fuzz.js';
import { prepareHostileBase, type HostileBase } from '../harness/hostile-oracle.js';

const seed = fuzzSeed();
const settings = fuzzSettings(2_000);
const jsonCount = Math.round(settings.count * 0.65);
const archiveCount = settings.count - jsonCount;

let base: HostileBase;
let setup: FuzzSetup;

before(async () => {
  base = await prepareHostileBase();
  // imports go to a closed port: nothing can be pushed, and a refusal must come before any connection
  setup = fuzzSetup(base.bundle.dir, base.facts, join(base.bundle.work, 'fuzz'), { preparerKey: base.preparerKey, approverKey: base.approverKey, timeoutMs: 20_000 });
});
after(() => base?.bundle.cleanup());

type Iteration = (setup: FuzzSetup, seed: number, iteration: number, findings: FuzzFindings, deep: (fastOk: boolean) => boolean) => Promise<IterationResult>;

/**
 * Runs `count` iterations (or only FERRY_FUZZ_ONLY, deep): the fast oracle on each, the whole commands on a budget of
 * samples — half on the first mutations every reader accepts (the interesting ones), half spread over the rest.
 */
async function fuzz(iteration: Iteration, count: number, findings: FuzzFindings): Promise<{ accepted: number; deep: number; ms: number; rssGrowthMb: number }> {
  const started = performance.now();
  const rss0 = process.memoryUsage().rss;
  let rssPeak = rss0;
  let accepted = 0;
  let deep = 0;
  let deepAccepted = 0;
  const half = Math.ceil(settings.deep / 2);
  const stride = Math.max(1, Math.floor(count / Math.max(1, settings.deep - half)));
  const indexes = settings.only !== undefined ? [settings.only] : Array.from({ length: count }, (_, i) => i);
  for (const i of indexes) {
    const result = await iteration(setup, seed, i, findings, (fastOk) => {
      if (settings.only !== undefined) return true;
      if (fastOk && deepAccepted < half) return (deepAccepted++, true);
      return !fastOk && i % stride === 0 && deep - deepAccepted < settings.deep - half;
    });
    if (result.fastOk) accepted++;
    if (result.deep) deep++;
    if (i % 50 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  return { accepted, deep, ms: performance.now() - started, rssGrowthMb: Math.round((rssPeak - rss0) / 1024 / 1024) };
}

describe(`hostile bundles: seeded fuzz (seed ${seed}, ${settings.count} mutations)`, () => {
  test('a seed replays: the same iteration crafts the same bytes', () => {
    const draft = (): BundleDraft => ({ json: structuredClone(setup.facts.json), entries: setup.pristine.entries.map((e) => ({ header: Buffer.from(e.header), data: Buffer.from(e.data) })), tail: setup.pristine.tail, original: setup.pristine.original });
    for (const i of [0, 7, 1234]) {
      const a = mutateBundleJson(setup.facts.json, mulberry32(iterationSeed(seed, i)));
      const b = mutateBundleJson(setup.facts.json, mulberry32(iterationSeed(seed, i)));
      assert.deepEqual(a, b);
      const [x, y] = [draft(), draft()];
      assert.deepEqual(mutateArchive(x, mulberry32(iterationSeed(seed, i))), mutateArchive(y, mulberry32(iterationSeed(seed, i))));
      assert.ok(joinTar(x.entries, x.tail).equals(joinTar(y.entries, y.tail)));
    }
  });

  // the sweeps: every field, a few fixed ways each (deterministic: no seed), through the same fast oracle
  test('sweep: every field of bundle.json deleted, retyped, made hostile and given twice; every reader agrees', { timeout: 600_000 }, async (t) => {
    const findings = new FuzzFindings();
    const sweep = bundleJsonSweep(setup.facts.json);
    let accepted = 0;
    for (const [i, m] of sweep.entries()) if ((await checkBundleJsonText(setup, i, m.text, m.ops, true, findings, () => false)).fastOk) accepted++;
    t.diagnostic(`${sweep.length} mutations, ${accepted} accepted by every reader`);
    assert.equal(findings.all.length, 0, findings.report(0, 'bundle.json sweep'));
  });

  test('sweep: every tar header field of every entry made hostile; the walk, BundleArchive and verify agree', { timeout: 600_000 }, async (t) => {
    const findings = new FuzzFindings();
    const sweep = headerSweep(setup.pristine.entries);
    let accepted = 0;
    for (const [i, m] of sweep.entries()) {
      const draft = pristineDraft(setup);
      m.apply(draft);
      // a few of them through every command as well
      if ((await checkArchiveDraft(setup, i, draft, [m.op], true, mulberry32(i), findings, () => i % 97 === 0)).fastOk) accepted++;
    }
    t.diagnostic(`${sweep.length} mutations, ${accepted} accepted by verify's walk`);
    assert.equal(findings.all.length, 0, findings.report(0, 'tar header sweep'));
  });

  test(`bundle.json: ${jsonCount} mutations; every reader of bundle.json agrees with verify, none crashes or hangs`, { timeout: 3_600_000 }, async (t) => {
    console.log('hostile fuzz seed', seed);
    const findings = new FuzzFindings();
    const run = await fuzz(bundleJsonIteration, jsonCount, findings);
    t.diagnostic(`seed ${seed}: ${jsonCount} mutations in ${Math.round(run.ms)} ms, ${run.accepted} accepted by every reader, ${run.deep} through every command, RSS +${run.rssGrowthMb} MB`);
    assert.equal(findings.all.length, 0, findings.report(seed, 'bundle.json'));
    assert.ok(run.rssGrowthMb < 500, `memory grew by ${run.rssGrowthMb} MB over the run`);
  });

  test(`archive: ${archiveCount} mutations of tar headers, entries and metadata; the walk, BundleArchive and verify agree`, { timeout: 3_600_000 }, async (t) => {
    console.log('hostile fuzz seed', seed);
    const findings = new FuzzFindings();
    const run = await fuzz(archiveIteration, archiveCount, findings);
    t.diagnostic(`seed ${seed}: ${archiveCount} mutations in ${Math.round(run.ms)} ms, ${run.accepted} accepted by verify's walk, ${run.deep} through every command, RSS +${run.rssGrowthMb} MB`);
    assert.equal(findings.all.length, 0, findings.report(seed, 'archive'));
    assert.ok(run.rssGrowthMb < 500, `memory grew by ${run.rssGrowthMb} MB over the run`);
  });
});
