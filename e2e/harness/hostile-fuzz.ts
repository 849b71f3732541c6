// The seeded fuzz of hostile bundles: each iteration mutates bundle.json (or the archive's tar headers, entries and
// metadata documents), reseals what a forger can, and asks every reader of the bundle. The fast oracle runs
// in-process on the readers themselves (verify's bundle.json check and archive walk, inspect, the readers of split,
// repair, sign and approve, and BundleArchive, which import, place and serve read through): they must agree, never
// crash, never hang. A sample of iterations goes through the whole commands ("deep"): when verify refuses, place,
// import, split and files-to must refuse too and change nothing; when it accepts, they must go on.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { BundleManifest } from '../../shared/bundle-manifest.js';
import { BundleArchive, bundleWarnings, FerryError, inspectBundle, renderHtmlReport } from '../../electron/engine/index.js';
import { readBundleManifest } from '../../electron/engine/bundle/inspect-bundle.js';
import { readReferenceManifest } from '../../electron/engine/repair/read-reference-manifest.js';
import { readBundleForSigning } from '../../electron/engine/trust/sign-bundle.js';
import { checkBundleJson } from '../../electron/engine/verify/check-bundle-json.js';
import { openBundleVolumes } from '../../electron/engine/verify/bundle-volumes.js';
import { FaultList } from '../../electron/engine/verify/fault-list.js';
import { ArchiveWalk, type WalkOutcome } from '../../electron/engine/verify/archive-walk.js';
import { checkArchiveStructure } from '../../electron/engine/verify/check-archive-structure.js';
import { PartRanges } from '../../electron/engine/verify/part-ranges.js';
import {
  ARCHIVE,
  iterationSeed,
  mulberry32,
  mutateArchive,
  mutateBundleJson,
  resealSums,
  runFolders,
  splitTar,
  writeDraft,
  type BaseFacts,
  type BundleDraft,
  type OfflineCommand,
  type Rng,
  type RunFolders,
  type TarItem,
} from './hostile-bundles.js';
import { RAW_CONTROL, runOffline, type CommandEnv, type Outcome } from './hostile-commands.js';
import { snapshotTree, treeChanges, WRONG_REFUSAL_CODES } from './hostile-oracle.js';

/** One thing the fuzz found wrong. */
export interface FuzzFinding {
  /** What kind of failure (findings are grouped by it). */
  kind: string;
  iteration: number;
  ops: string[];
  detail: string;
}

/** Every finding of a fuzz run, grouped by kind for the report. */
export class FuzzFindings {
  readonly all: FuzzFinding[] = [];

  add(kind: string, iteration: number, ops: string[], detail: string): void {
    this.all.push({ kind, iteration, ops, detail: detail.length > 600 ? `${detail.slice(0, 600)}…` : detail });
  }

  /** A report: each kind with its count and its first examples, and how to replay one. */
  report(seed: number, phase: string): string {
    const kinds = new Map<string, FuzzFinding[]>();
    for (const f of this.all) kinds.set(f.kind, [...(kinds.get(f.kind) ?? []), f]);
    const lines = [`${this.all.length} finding(s) in ${kinds.size} kind(s) (${phase}, seed ${seed}):`];
    for (const [kind, list] of kinds) {
      lines.push(`- ${kind}: ${list.length} iteration(s)`);
      for (const f of list.slice(0, 3)) lines.push(`    #${f.iteration} [${f.ops.join('; ')}]: ${f.detail}`);
    }
    const first = this.all[0];
    if (first) lines.push(`replay one: FERRY_FUZZ_SEED=${seed} FERRY_FUZZ_ONLY=${first.iteration} node scripts/run-tests.mjs e2e/hostile/fuzz`);
    return lines.join('\n');
  }
}

/** What the fuzz works on, set up once per test file. */
export interface FuzzSetup {
  /** The pristine bundle folder. */
  base: string;
  facts: BaseFacts;
  /** The pristine archive, split into entries once. */
  pristine: { entries: TarItem[]; tail: Buffer; original: Buffer; sums: Buffer };
  /** A scratch bundle folder the fast oracle rewrites each iteration. */
  scratch: string;
  /** Where deep samples get their own run folders. */
  work: string;
  env: CommandEnv;
}

/** Time any one reader may take before the iteration counts as hung. */
const READER_TIMEOUT_MS = 15_000;
/** Refusal codes that show a command got past verification to the registry (it tried to push). */
const REACHED_REGISTRY = new Set(['network', 'tls', 'timeout', 'registry-error', 'unauthorized', 'denied', 'not-found']);

type Settled<T> = { ok: true; value: T } | { ok: false; ferry: boolean; code?: string; name: string; message: string; hung?: boolean };

/** Runs a reader, bounded in time; a throw is described, never rethrown. */
async function settle<T>(f: () => Promise<T> | T): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, ferry: false, name: 'timeout', message: `no answer after ${READER_TIMEOUT_MS} ms`, hung: true }), READER_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      (async (): Promise<Settled<T>> => ({ ok: true, value: await f() }))(),
      hung,
    ]);
  } catch (error) {
    const e = error as Error;
    return error instanceof FerryError
      ? { ok: false, ferry: true, code: error.code, name: 'FerryError', message: error.message }
      : { ok: false, ferry: false, name: e?.name ?? typeof error, message: `${e?.message ?? String(error)}${e?.stack ? ` [${e.stack.split('\n').slice(1, 4).join(' | ')}]` : ''}` };
  } finally {
    clearTimeout(timer);
  }
}

/** Records a reader's crash, hang or wrong code; returns whether it accepted. */
function judgeReader<T>(reader: string, r: Settled<T>, note: (kind: string, detail: string) => void): boolean {
  if (r.ok) return true;
  if (r.hung) note(`${reader} hung`, r.message);
  else if (!r.ferry) note(`${reader} crashed (${r.name})`, r.message);
  else if (r.code && WRONG_REFUSAL_CODES.has(r.code)) note(`${reader} refused with code ${r.code}`, r.message);
  return false;
}

/** Puts the pristine SHA256SUMS back into the scratch folder (overwritten in place: no unlink, no copy). */
function restoreSums(setup: FuzzSetup): void {
  writeFileSync(join(setup.scratch, 'SHA256SUMS'), setup.pristine.sums);
}

/** The result of one iteration. */
export interface IterationResult {
  /** What the fast oracle decided verify would say (undefined when it cannot tell: SHA256SUMS left stale). */
  fastOk: boolean;
  /** The mutation went through the whole commands. */
  deep: boolean;
}

/**
 * One bundle.json iteration: mutate, reseal SHA256SUMS (nine times in ten), then {@link checkBundleJsonText}.
 * `deep` decides, given the fast verdict, whether the mutation also goes through the whole commands.
 */
export async function bundleJsonIteration(setup: FuzzSetup, seed: number, iteration: number, findings: FuzzFindings, deep: (fastOk: boolean) => boolean): Promise<IterationResult> {
  const rng = mulberry32(iterationSeed(seed, iteration));
  const { text, ops } = mutateBundleJson(setup.facts.json, rng);
  const sealed = rng.chance(0.9);
  if (!sealed) ops.push('SHA256SUMS left stale');
  return checkBundleJsonText(setup, iteration, text, ops, sealed, findings, deep);
}

/**
 * Writes bundle.json as `text` into the scratch folder (the archive untouched) and asks every reader of bundle.json —
 * verify's check, inspect, the reader of split and repair, the reader of sign and approve —: they must agree, and none
 * may crash or hang; when they accept, the HTML report renders with no raw control character.
 */
export async function checkBundleJsonText(setup: FuzzSetup, iteration: number, text: string, ops: string[], reseal: boolean, findings: FuzzFindings, deep: (fastOk: boolean) => boolean): Promise<IterationResult> {
  const note = (kind: string, detail: string): void => findings.add(kind, iteration, ops, detail);
  // the scratch archive is never changed here: only bundle.json and SHA256SUMS are written
  const dir = setup.scratch;
  writeFileSync(join(dir, 'bundle.json'), text);
  restoreSums(setup);
  if (reseal) resealSums(dir);

  const faults = new FaultList();
  const reading = await settle(async () => checkBundleJson(await openBundleVolumes([dir]), faults));
  judgeReader('verify (bundle.json check)', reading, note);
  const verifyOk = reading.ok && !!reading.value.manifest && faults.all.length === 0;
  const firstFault = reading.ok ? (faults.all[0]?.message ?? '') : reading.message;
  const readers: [string, Settled<unknown>][] = [
    ['inspect', await settle(() => inspectBundle(dir))],
    ['split/repair reader', await settle(() => readReferenceManifest(dir))],
    ['sign/approve reader', await settle(() => readBundleForSigning(dir))],
  ];
  for (const [reader, r] of readers) {
    const accepted = judgeReader(reader, r, note);
    if (accepted !== verifyOk) {
      note(`${reader} ${accepted ? 'accepted' : 'refused'} a bundle.json verify ${verifyOk ? 'accepts' : 'refuses'}`, accepted ? `verify: ${firstFault}` : `${reader}: ${r.ok ? '' : r.message}`);
    }
  }
  if (verifyOk) checkHtmlReport(reading.ok ? reading.value.manifest! : undefined, Buffer.from(text), note);
  const goDeep = deep(verifyOk);
  if (goDeep) await deepCheck(setup, iteration, ops, findings, undefined);
  return { fastOk: verifyOk, deep: goDeep };
}

/** The HTML review report of a manifest every reader accepts: renders, and holds no raw control character. */
function checkHtmlReport(manifest: BundleManifest | undefined, bytes: Buffer, note: (kind: string, detail: string) => void): void {
  if (!manifest) return;
  try {
    const html = renderHtmlReport({ manifest, bundleSha256: createHash('sha256').update(bytes).digest('hex'), warnings: bundleWarnings(manifest), generated: new Date(0).toISOString() });
    const raw = RAW_CONTROL.exec(html);
    if (raw) note('the HTML report holds a raw control character', `U+${raw[0].charCodeAt(0).toString(16).padStart(4, '0')}`);
  } catch (error) {
    note('the HTML report crashed', `${(error as Error).name}: ${(error as Error).message}`);
  }
}

/** A fresh draft of the pristine bundle (entries copied: a mutation never reaches the pristine ones). */
export function pristineDraft(setup: FuzzSetup): BundleDraft {
  return {
    json: structuredClone(setup.facts.json),
    entries: setup.pristine.entries.map((e) => ({ header: Buffer.from(e.header), data: Buffer.from(e.data) })),
    tail: Buffer.from(setup.pristine.tail),
    original: setup.pristine.original,
  };
}

/** One archive iteration: mutate tar headers, entries, data or a metadata document, then {@link checkArchiveDraft}. */
export async function archiveIteration(setup: FuzzSetup, seed: number, iteration: number, findings: FuzzFindings, deep: (fastOk: boolean) => boolean): Promise<IterationResult> {
  const rng = mulberry32(iterationSeed((seed ^ 0x54415221) >>> 0, iteration));
  const draft = pristineDraft(setup);
  const ops = mutateArchive(draft, rng);
  const sealed = rng.chance(0.9);
  if (!sealed) ops.push('SHA256SUMS left stale');
  return checkArchiveDraft(setup, iteration, draft, ops, sealed, rng, findings, deep);
}

/**
 * Writes a draft into the scratch folder, resealing the archive (and SHA256SUMS when `reseal`); then verify's archive
 * walk (fed whole and in random chunkings, which must not change what it finds) and structure check decide; and
 * BundleArchive — what import, place and serve read through — must never crash and, when the walk accepts, must read
 * exactly the bytes the walk checked.
 */
export async function checkArchiveDraft(setup: FuzzSetup, iteration: number, draft: BundleDraft, ops: string[], reseal: boolean, rng: Rng, findings: FuzzFindings, deep: (fastOk: boolean) => boolean): Promise<IterationResult> {
  const note = (kind: string, detail: string): void => findings.add(kind, iteration, ops, detail);
  const dir = setup.scratch;
  restoreSums(setup);
  writeDraft(dir, draft, { sums: reseal, alwaysWriteArchive: true });

  const bytes = readFileSync(join(dir, 'bundle.json'));
  let manifest: BundleManifest | undefined;
  try {
    const read = readBundleManifest(bytes, join(dir, 'bundle.json'));
    if (read.problems.length === 0) manifest = read.manifest;
  } catch (error) {
    if (!(error instanceof FerryError)) note('bundle.json check crashed', String(error));
  }
  let fastOk = false;
  if (manifest) {
    const tar = readFileSync(join(dir, ARCHIVE));
    const whole = walkArchive(manifest, tar, [tar.length], note);
    const cuts = randomCuts(tar.length, rng);
    const chunked = walkArchive(manifest, tar, cuts, note);
    if (whole && chunked && whole.summary !== chunked.summary) note('the archive walk finds other faults when the bytes arrive in other chunks', `whole: ${whole.summary} | chunks of ${cuts.slice(0, 8).join(',')}…: ${chunked.summary}`);
    fastOk = reseal && !!whole?.ok;
    await checkBundleArchive(dir, manifest, whole?.walked, !!whole?.ok, note);
  }
  const goDeep = deep(fastOk);
  if (goDeep) await deepCheck(setup, iteration, ops, findings, reseal ? fastOk : undefined);
  return { fastOk, deep: goDeep };
}

/** Chunk lengths that add up to `total`: mostly small and odd, so headers and data straddle chunk boundaries. */
function randomCuts(total: number, rng: Rng): number[] {
  const cuts: number[] = [];
  let left = total;
  while (left > 0) {
    const n = Math.min(left, rng.pick([1, 7, 100, 511, 512, 513, 1000, 4096, 1 + rng.int(3000)]));
    cuts.push(n);
    left -= n;
  }
  return cuts;
}

/** Verify's walk and structure check over the archive bytes, fed in the given chunk lengths. */
function walkArchive(manifest: BundleManifest, tar: Buffer, cuts: number[], note: (kind: string, detail: string) => void): { ok: boolean; summary: string; walked: WalkOutcome } | undefined {
  try {
    const walk = new ArchiveWalk(manifest, new PartRanges(manifest.archive.parts));
    let at = 0;
    for (const n of cuts) {
      walk.chunk(tar.subarray(at, at + n));
      at += n;
    }
    const walked = walk.finish();
    const faults = new FaultList();
    checkArchiveStructure(manifest, walked, faults);
    const leftOut = new Set(manifest.images.flatMap((i) => i.foreignLayers.filter((f) => !f.carried).map((f) => f.digest)));
    const missing = manifest.blobs.filter((b) => !walked.present.has(b.digest) && !leftOut.has(b.digest)).map((b) => `blob-missing ${b.digest}`);
    const filesMissing = (manifest.files ?? []).filter((f) => !walked.filesPresent.has(f.name)).map((f) => `file-missing ${f.name}`);
    const all = [...walked.problems.map((p) => `${p.kind} ${p.entry} ${p.detail}`), ...faults.all.map((f) => `${f.kind} ${f.message}`), ...missing, ...filesMissing];
    return { ok: walked.complete && all.length === 0, summary: all.join(' / ') || 'none', walked };
  } catch (error) {
    note('the archive walk crashed', `${(error as Error).name}: ${(error as Error).message}`);
    return undefined;
  }
}

/** BundleArchive (import, place and serve read through it): refuses cleanly, or reads what the walk checked. */
async function checkBundleArchive(dir: string, manifest: BundleManifest, walked: WalkOutcome | undefined, walkOk: boolean, note: (kind: string, detail: string) => void): Promise<void> {
  const opened = await settle(() => BundleArchive.open([dir], { manifest }));
  const accepted = judgeReader('BundleArchive.open', opened, note);
  if (!accepted) {
    if (walkOk) note('BundleArchive refused an archive the verify walk accepts', opened.ok ? '' : opened.message);
    return;
  }
  const archive = (opened as { value: BundleArchive }).value;
  try {
    if (!walkOk || !walked) return;
    // two readers, one meaning: every blob, metadata file and plain file reads back as the walk checked it
    for (const blob of manifest.blobs) {
      const read = await settle(() => archive.readBlob(blob.digest));
      if (!read.ok) note('BundleArchive cannot read a blob the walk checked', `${blob.digest}: ${read.message}`);
      else if (`sha256:${createHash('sha256').update(read.value).digest('hex')}` !== blob.digest) note('BundleArchive reads other bytes for a blob than the walk checked', blob.digest);
    }
    for (const [name, found] of walked.metadata) {
      const read = await settle(() => archive.readEntry(name));
      if (!read.ok || !read.value.equals(found.bytes)) note(`BundleArchive reads another ${name} than the walk checked`, read.ok ? `${read.value.length} bytes vs ${found.bytes.length}` : read.message);
    }
    for (const file of manifest.files ?? []) {
      const read = await settle(async () => {
        const hash = createHash('sha256');
        for await (const chunk of archive.openEntry(`files/${file.name}`)) hash.update(chunk as Buffer);
        return hash.digest('hex');
      });
      if (!read.ok || read.value !== file.sha256) note('BundleArchive reads other bytes for a plain file than the walk checked', `${file.name}: ${read.ok ? read.value : read.message}`);
    }
  } finally {
    await archive.close().catch(() => undefined);
  }
}

/** Commands a deep sample runs after verify: what must go on when verify accepts, and refuse when it refuses. */
const AFTER_ACCEPT: readonly OfflineCommand[] = ['inspect', 'place', 'files-to', 'split'];
const AFTER_REFUSE: readonly OfflineCommand[] = ['place', 'import', 'files-to', 'split'];

/**
 * The whole commands on the scratch folder's mutation (each on its own copy): verify; then, when it refuses, place,
 * import (to a closed port: a refusal must come before any connection), files-to and split must refuse too and
 * change nothing; when it accepts, inspect, place, files-to and split must go on. `fast`: the fast oracle's verdict,
 * which verify must match when given.
 */
export async function deepCheck(setup: FuzzSetup, iteration: number, ops: string[], findings: FuzzFindings, fast: boolean | undefined): Promise<void> {
  const note = (kind: string, detail: string): void => findings.add(kind, iteration, ops, detail);
  const copy = (command: OfflineCommand): RunFolders => {
    const folders = runFolders(join(setup.work, `deep-${iteration}`, command));
    rmSync(folders.root, { recursive: true, force: true });
    mkdirSync(folders.root, { recursive: true });
    cpSync(setup.scratch, folders.bundle, { recursive: true });
    for (const d of [folders.place, folders.files, folders.mirror, folders.report, folders.elsewhere]) mkdirSync(d, { recursive: true });
    return folders;
  };
  const run = async (command: OfflineCommand): Promise<{ outcome: Outcome; bundle: string[]; targets: string[]; outside: string[] }> => {
    const folders = copy(command);
    const before = snapshotTree(folders.root);
    const outcome = await runOffline(command, folders, { ...setup.env, importPrefix: `fuzz${iteration}` });
    const changes = treeChanges(before, snapshotTree(folders.root));
    rmSync(folders.root, { recursive: true, force: true });
    return {
      outcome,
      bundle: changes.filter((l) => l.startsWith('bundle/')),
      targets: changes.filter((l) => l.startsWith('targets/')),
      outside: changes.filter((l) => !l.startsWith('bundle/') && !l.startsWith('targets/') && !l.startsWith('bundle ') && !l.startsWith('targets ')),
    };
  };
  try {
    const verify = await run('verify');
    if (verify.outcome.verdict === 'crashed' || verify.outcome.verdict === 'timeout') note(`verify ${verify.outcome.verdict}`, `${verify.outcome.message} ${verify.outcome.error ?? ''}`);
    if (verify.outcome.verdict === 'refused' && verify.outcome.code) note('verify threw instead of reporting', `${verify.outcome.code}: ${verify.outcome.message}`);
    const accepted = verify.outcome.verdict === 'accepted';
    if (fast !== undefined && accepted !== fast) note(`verify ${accepted ? 'accepts' : 'refuses'} what the fast check ${fast ? 'accepts' : 'refuses'}`, verify.outcome.message.split('\n')[0] ?? '');
    for (const command of accepted ? AFTER_ACCEPT : AFTER_REFUSE) {
      const r = await run(command);
      const o = r.outcome;
      if (o.verdict === 'crashed' || o.verdict === 'timeout' || o.verdict === 'memory') note(`${command} ${o.verdict}`, `${o.message} ${o.error ?? ''}`);
      if (r.outside.length > 0) note(`${command} wrote outside its targets`, r.outside.join('; '));
      if (accepted) {
        if (o.verdict === 'refused') note(`${command} refused what verify accepts`, `${o.code ?? ''}: ${o.message}`);
        continue;
      }
      if (o.verdict === 'accepted') note(`${command} went on with a bundle verify refuses`, `${o.message}; verify: ${verify.outcome.message.split('\n')[0]}`);
      else if (o.verdict === 'refused' && o.code && (WRONG_REFUSAL_CODES.has(o.code) || REACHED_REGISTRY.has(o.code))) {
        note(`${command} refused with code ${o.code}${REACHED_REGISTRY.has(o.code) ? ' (it got as far as the registry)' : ''}`, o.message);
      }
      if (o.verdict !== 'accepted' && r.bundle.length > 0) note(`${command} changed the bundle although it did not succeed`, r.bundle.join('; '));
      if (o.verdict !== 'accepted' && r.targets.length > 0) note(`${command} wrote into its target although it did not succeed`, r.targets.join('; '));
    }
  } finally {
    rmSync(join(setup.work, `deep-${iteration}`), { recursive: true, force: true });
  }
}

/** Sets up the fuzz from a pristine bundle folder: the archive split once, a scratch copy. */
export function fuzzSetup(base: string, facts: BaseFacts, work: string, env: CommandEnv): FuzzSetup {
  const original = readFileSync(join(base, ARCHIVE));
  const scratch = join(work, 'scratch');
  mkdirSync(work, { recursive: true });
  cpSync(base, scratch, { recursive: true });
  rmSync(join(scratch, 'signatures'), { recursive: true, force: true });
  return { base, facts, pristine: { ...splitTar(original), original, sums: readFileSync(join(base, 'SHA256SUMS')) }, scratch, work, env };
}

/** `FERRY_FUZZ_COUNT` (default `fallback`), `FERRY_FUZZ_ONLY` (one iteration, deep), `FERRY_FUZZ_DEEP` (deep samples per phase). */
export function fuzzSettings(fallback: number): { count: number; only?: number; deep: number } {
  const count = Number(process.env.FERRY_FUZZ_COUNT ?? fallback);
  if (!Number.isInteger(count) || count < 0) throw new Error(`FERRY_FUZZ_COUNT=${process.env.FERRY_FUZZ_COUNT} is not a count`);
  const only = process.env.FERRY_FUZZ_ONLY === undefined || process.env.FERRY_FUZZ_ONLY === '' ? undefined : Number(process.env.FERRY_FUZZ_ONLY);
  const deep = Number(process.env.FERRY_FUZZ_DEEP ?? Math.max(6, Math.round(count / 250)));
  return { count, deep, ...(only !== undefined ? { only } : {}) };
}
