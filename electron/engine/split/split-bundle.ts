import { createHash } from 'node:crypto';
import { readdir, rename, rm, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { BundleManifestSchema, type BundleManifest } from '../../../shared/bundle-manifest.js';
import { SIGNATURES_DIR } from '../../../shared/signature.js';
import { planParts } from '../bundle/archive/parted-file.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { hashFile } from '../bundle/hash-file.js';
import { ARCHIVE_BASE, BUNDLE_FILE, SUMS_FILE } from '../bundle/output-folder.js';
import { parseSize } from '../bundle/parse-size.js';
import { ARCHIVE_FILE_NAME, newRunId, PARTIAL_NAME, partialName } from '../bundle/partial-name.js';
import { formatSha256Sums } from '../bundle/sha256sums.js';
import { checkParityCount, checkParityFits, writeParityParts } from '../bundle/write-parity.js';
import { FerryError, isAbortError } from '../errors/ferry-error.js';
import { ProgressMeter } from '../progress/progress-meter.js';
import { readReferenceManifest, type ReferenceManifest } from '../repair/read-reference-manifest.js';
import { syncDir } from '../util/sync-dir.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { copyIntoParts } from './copy-into-parts.js';
import { readSplitJournal, removeSplitJournal, writeSplitJournal, SPLIT_JOURNAL, type SplitJournal } from './split-journal.js';

/** What to re-split. */
export interface SplitBundleOptions {
  /** The bundle folder. */
  dir: string;
  /** The new largest part size: `700MB`, `1GiB`, `fat32`, or bytes (at least 1 MiB). */
  size: string | number;
  /** Parity parts after the split, 0 to 32 (0 removes parity); default: as many as the bundle has now. */
  parity?: number;
}

/** A part layout: how many data parts of at most what size, and how many parity parts. */
export interface PartLayout {
  parts: number;
  largestPart: number;
  parity: number;
}

/** What a split did. */
export interface SplitBundleResult {
  dir: string;
  /** bundle.json as it is now. */
  manifest: BundleManifest;
  /** False when the bundle already had the layout asked for (nothing was touched). */
  changed: boolean;
  /** An interrupted split was found and finished. */
  resumed: boolean;
  before: PartLayout;
  after: PartLayout;
  /** Signature files removed: they signed the old bundle.json, so the bundle must be signed and approved again. */
  removedSignatures: string[];
  /** Leftovers of earlier runs (stray parts, temporary files) removed before anything was written. */
  clearedLeftovers: string[];
  /** The most disk space the split took beyond the archive's own size while copying (bytes). */
  peakExtraBytes: number;
}

/**
 * Re-splits a bundle in place into parts of at most `size` (and `parity` parity parts), streaming:
 * every old part is first proven against bundle.json (and the whole archive against its sha256), then
 * the folder stops looking complete (SHA256SUMS moved aside, a journal written, old parity and
 * signatures removed), the new parts are written under temporary names while each old part is
 * deleted as soon as all its bytes are in completed new parts (extra space about one part), parity is
 * encoded, and finally the new parts, bundle.json and SHA256SUMS are renamed into place. The archive
 * and its sha256 do not change; bundle.json does, so signatures are removed. Interrupted at any point,
 * running it again (same size) finishes the job.
 */
export async function splitBundle(options: SplitBundleOptions, controls: JobControls = {}): Promise<SplitBundleResult> {
  const { signal, onProgress } = controls;
  const partSize = parseSize(options.size);
  const parityAsked = options.parity === undefined ? undefined : checkParityCount(options.parity, 0);
  const ref = await readReferenceManifest(options.dir);
  const { dir } = ref;
  let journal = await readSplitJournal(dir);
  let resumed = false;
  const before = layoutOf(ref.manifest);
  let peakExtraBytes = 0;
  const onExtra = (bytes: number): void => {
    peakExtraBytes = Math.max(peakExtraBytes, bytes);
  };

  if (journal) {
    if (ref.sha256 !== journal.oldManifestSha256 && ref.sha256 !== journal.commit?.manifestSha256) {
      throw new FerryError(
        'bad-bundle',
        `${dir} holds the journal of an interrupted split (${SPLIT_JOURNAL}) that belongs to another bundle.json. If the folder was bundled anew since, delete ${SPLIT_JOURNAL} and split again.`,
        { subject: join(dir, SPLIT_JOURNAL) },
      );
    }
    if (journal.partSize !== partSize || (parityAsked !== undefined && parityAsked !== journal.parity)) {
      throw new FerryError(
        'bad-usage',
        `${dir} is in the middle of an interrupted split into parts of ${journal.partSize} bytes with ${journal.parity} parity part(s); finish it first: ferry split ${dir} --size ${journal.partSize} --parity ${journal.parity}`,
        { subject: dir },
      );
    }
    resumed = true;
    onProgress?.({ kind: 'warning', message: `Finishing an interrupted split of ${dir}.`, subject: dir });
  } else {
    const parity = parityAsked ?? before.parity;
    const newParts = planParts(ref.manifest.archive.size, partSize, (name) => name, ARCHIVE_BASE).map(({ name, start, size }) => ({ name, start, size }));
    checkParityFits(newParts.length, parity);
    const oldParts = ref.manifest.archive.parts;
    const sameData = newParts.length === oldParts.length && newParts.every((p, i) => p.name === oldParts[i]!.name && p.size === oldParts[i]!.size);
    if (sameData && parity === before.parity) {
      return { dir, manifest: ref.manifest, changed: false, resumed: false, before, after: before, removedSignatures: [], clearedLeftovers: [], peakExtraBytes: 0 };
    }
    journal = await startSplit(ref, newParts, partSize, parity, sameData, controls);
  }

  try {
    if (!journal.commit) {
      if (journal.keepData) await stopLookingComplete(dir, journal);
      else await finishCopy(dir, journal, controls, onExtra);
      signal?.throwIfAborted();
      journal.commit = await prepareCommit(ref, journal, controls);
      await writeSplitJournal(dir, journal);
      signal?.throwIfAborted();
    }
    await commit(dir, journal);
  } catch (error) {
    throw interrupted(error, dir, journal);
  }
  const manifest = BundleManifestSchema.parse(JSON.parse(journal.commit.manifest));
  return {
    dir,
    manifest,
    changed: true,
    resumed,
    before: resumed ? { parts: journal.oldParts.length, largestPart: Math.max(...journal.oldParts.map((p) => p.size)), parity: journal.oldParity.length } : before,
    after: layoutOf(manifest),
    removedSignatures: journal.removedSignatures,
    clearedLeftovers: journal.clearedLeftovers,
    peakExtraBytes,
  };
}

/** Proves every old part, clears leftovers, then makes the folder stop looking complete and writes the journal. */
async function startSplit(
  ref: ReferenceManifest,
  newParts: SplitJournal['newParts'],
  partSize: number,
  parity: number,
  keepData: boolean,
  controls: JobControls,
): Promise<SplitJournal> {
  const { dir, manifest } = ref;
  const { signal, onProgress } = controls;
  const oldNames = new Set([...manifest.archive.parts, ...(manifest.archive.parity?.parts ?? [])].map((p) => p.name));
  // 1. prove every old part and the archive before anything is changed
  const archiveHash = createHash('sha256');
  const total = manifest.archive.size;
  onProgress?.({ kind: 'phase-start', phase: 'verify', totalBytes: total, totalItems: manifest.archive.parts.length });
  const meter = new ProgressMeter('verify', total, onProgress);
  let start = 0;
  const oldParts: SplitJournal['oldParts'] = [];
  const advice = manifest.archive.parity ? `run ferry repair ${dir}, then split again` : `copy it again from the sender's bundle, then split again`;
  for (const part of manifest.archive.parts) {
    const path = join(dir, part.name);
    const size = (await stat(path).catch(() => undefined))?.size;
    if (size !== part.size) {
      throw new FerryError('damaged', `${part.name} is ${size === undefined ? 'missing' : `${size} bytes, not ${part.size}`}; nothing was changed: ${advice}.`, { subject: path });
    }
    const { sha256 } = await hashFile(path, { also: [archiveHash], signal, onBytes: (n) => meter.add(n) });
    if (sha256 !== part.sha256) throw new FerryError('damaged', `${part.name} is damaged (its sha256 does not match bundle.json); nothing was changed: ${advice}.`, { subject: path });
    oldParts.push({ name: part.name, start, size: part.size, sha256: part.sha256 });
    start += part.size;
  }
  if (archiveHash.digest('hex') !== manifest.archive.sha256) {
    throw new FerryError('damaged', `The archive's parts do not add up to its recorded sha256; nothing was changed.`, { subject: dir });
  }
  meter.finish();
  onProgress?.({ kind: 'phase-end', phase: 'verify' });

  // 2. room: about one part while copying, plus the new parity (the old parity goes first)
  const oldParityBytes = (manifest.archive.parity?.parts ?? []).reduce((n, p) => n + p.size, 0);
  const largest = Math.max(...newParts.map((p) => p.size), ...manifest.archive.parts.map((p) => p.size));
  const needed = Math.max(keepData ? 0 : largest + 4 * 1024 * 1024, parity * Math.max(...newParts.map((p) => p.size))) - oldParityBytes;
  const fs = await statfs(dir);
  if (needed > fs.bavail * fs.bsize) {
    throw new FerryError('no-space', `Splitting needs about ${needed} bytes free in ${dir} but only ${fs.bavail * fs.bsize} are; nothing was changed.`, { subject: dir });
  }
  signal?.throwIfAborted();

  // 3. leftovers of earlier runs (stray parts, temporary files) are never mixed in
  const clearedLeftovers: string[] = [];
  for (const name of await readdir(dir)) {
    if (PARTIAL_NAME.test(name) || (ARCHIVE_FILE_NAME.test(name) && !oldNames.has(name))) {
      await rm(join(dir, name), { force: true, recursive: true });
      clearedLeftovers.push(name);
    }
  }

  // 4. from here on the folder is mid-split: journal first, then SHA256SUMS aside, old parity and signatures out
  const signatures = await readdir(join(dir, SIGNATURES_DIR)).catch(() => [] as string[]);
  const journal: SplitJournal = {
    version: 1,
    run: newRunId(),
    bundleId: manifest.id,
    oldManifestSha256: ref.sha256,
    archive: { size: manifest.archive.size, sha256: manifest.archive.sha256 },
    oldParts,
    oldParity: (manifest.archive.parity?.parts ?? []).map((p) => p.name),
    partSize,
    parity,
    newParts,
    // only the parity changes: the data parts, just proven, stay as they are
    ...(keepData ? { keepData, completed: oldParts.map((p) => ({ name: p.name, sha256: p.sha256 })) } : { completed: [] }),
    removedSignatures: signatures.map((s) => `${SIGNATURES_DIR}/${s}`),
    clearedLeftovers,
  };
  await writeSplitJournal(dir, journal);
  return journal;
}

/** SHA256SUMS moved aside, signatures and old parity parts removed (idempotent: a resumed split runs it again). */
async function stopLookingComplete(dir: string, journal: SplitJournal): Promise<void> {
  await rename(join(dir, SUMS_FILE), join(dir, partialName(journal.run, SUMS_FILE))).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  const signatures = await readdir(join(dir, SIGNATURES_DIR)).catch(() => [] as string[]);
  for (const s of signatures) {
    const name = `${SIGNATURES_DIR}/${s}`;
    if (!journal.removedSignatures.includes(name)) journal.removedSignatures.push(name);
  }
  await rm(join(dir, SIGNATURES_DIR), { recursive: true, force: true });
  for (const name of journal.oldParity) await rm(join(dir, name), { force: true });
  await syncDir(dir);
}

/** Copies what is left to copy (re-proving the completed new parts of an earlier run first). */
async function finishCopy(dir: string, journal: SplitJournal, controls: JobControls, onExtra: (bytes: number) => void): Promise<void> {
  const { signal, onProgress } = controls;
  await stopLookingComplete(dir, journal);
  // temporary files of other runs, and archive files that are neither old parts nor ours, go
  const oldNames = new Set(journal.oldParts.map((p) => p.name));
  const ours = `.ferry-${journal.run}-`;
  for (const name of await readdir(dir)) {
    if ((PARTIAL_NAME.test(name) && !name.startsWith(ours)) || (ARCHIVE_FILE_NAME.test(name) && !oldNames.has(name))) {
      await rm(join(dir, name), { force: true, recursive: true });
      journal.clearedLeftovers.push(name);
    }
  }
  const archiveHash = createHash('sha256');
  if (journal.completed.length > 0) {
    const bytes = journal.completed.reduce((n, _, i) => n + journal.newParts[i]!.size, 0);
    onProgress?.({ kind: 'phase-start', phase: 'verify', totalBytes: bytes, totalItems: journal.completed.length });
    const meter = new ProgressMeter('verify', bytes, onProgress);
    for (const [i, done] of journal.completed.entries()) {
      const path = join(dir, partialName(journal.run, done.name));
      const hashed = await hashFile(path, { also: [archiveHash], signal, onBytes: (n) => meter.add(n) }).catch(() => undefined);
      if (!hashed || hashed.size !== journal.newParts[i]!.size || hashed.sha256 !== done.sha256) {
        throw new FerryError('damaged', `Cannot finish the split: the new part ${done.name} written earlier (${path}) is missing or damaged, and the old parts it replaced are gone. The bundle must be copied again from its sender.`, { subject: path });
      }
    }
    meter.finish();
    onProgress?.({ kind: 'phase-end', phase: 'verify' });
  }
  await copyIntoParts({ dir, journal, archiveHash, signal, onProgress, onExtra });
  if (archiveHash.digest('hex') !== journal.archive.sha256) {
    throw new FerryError('internal', `The re-split archive does not match its recorded sha256; the split stopped before replacing bundle.json.`, { subject: dir });
  }
}

/** Encodes the new parity and builds the new bundle.json and SHA256SUMS (written at commit). */
async function prepareCommit(ref: ReferenceManifest, journal: SplitJournal, controls: JobControls): Promise<NonNullable<SplitJournal['commit']>> {
  const { dir } = ref;
  const temp = (name: string): string => join(dir, partialName(journal.run, name));
  const dataPath = (name: string): string => (journal.keepData ? join(dir, name) : temp(name));
  const parity =
    journal.parity > 0
      ? await writeParityParts({
          parts: journal.newParts.map((p) => ({ name: p.name, path: dataPath(p.name), size: p.size })),
          count: journal.parity,
          pathOf: temp,
          signal: controls.signal,
          onProgress: controls.onProgress,
        })
      : undefined;
  // bundle.json as it was, only the archive's parts and parity changed (unknown fields kept as they are)
  const raw = JSON.parse(ref.bytes.toString('utf8')) as { archive: Record<string, unknown> };
  raw.archive.parts = journal.newParts.map((p, i) => ({ name: p.name, size: p.size, sha256: journal.completed[i]!.sha256 }));
  if (parity) raw.archive.parity = parity;
  else delete raw.archive.parity;
  const manifest = BundleManifestSchema.parse(raw);
  const text = `${JSON.stringify(raw, null, 2)}\n`;
  const manifestSha256 = createHash('sha256').update(text).digest('hex');
  const sums = formatSha256Sums([
    { sha256: manifestSha256, name: BUNDLE_FILE },
    ...manifest.archive.parts.map((p) => ({ sha256: p.sha256, name: p.name })),
    ...(manifest.archive.parity?.parts ?? []).map((p) => ({ sha256: p.sha256, name: p.name })),
  ]);
  return { manifest: text, manifestSha256, sums };
}

/** Renames the new parts into place, then bundle.json, then SHA256SUMS last; removes the journal. Idempotent. */
async function commit(dir: string, journal: SplitJournal): Promise<void> {
  const { commit: c } = journal;
  if (!c) throw new Error('split: nothing to commit');
  const manifest = BundleManifestSchema.parse(JSON.parse(c.manifest));
  const names = [...manifest.archive.parts, ...(manifest.archive.parity?.parts ?? [])];
  for (const part of names) {
    const temp = join(dir, partialName(journal.run, part.name));
    try {
      await rename(temp, join(dir, part.name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // renamed by an earlier run that stopped here, or never moved (only the parity changed)
      const size = (await stat(join(dir, part.name)).catch(() => undefined))?.size;
      if (size !== part.size) throw new FerryError('damaged', `Cannot finish the split: ${part.name} is missing.`, { subject: join(dir, part.name) });
    }
  }
  await syncDir(dir);
  await writeFileAtomic(join(dir, BUNDLE_FILE), c.manifest);
  await syncDir(dir);
  await writeFileAtomic(join(dir, SUMS_FILE), c.sums);
  await rm(join(dir, partialName(journal.run, SUMS_FILE)), { force: true });
  await removeSplitJournal(dir);
}

function layoutOf(manifest: BundleManifest): PartLayout {
  return {
    parts: manifest.archive.parts.length,
    largestPart: Math.max(...manifest.archive.parts.map((p) => p.size)),
    parity: manifest.archive.parity?.parts.length ?? 0,
  };
}

/** An error after the folder went mid-split: the same error, saying how to finish. */
function interrupted(error: unknown, dir: string, journal: SplitJournal): unknown {
  const again = `ferry split ${dir} --size ${journal.partSize} --parity ${journal.parity}`;
  if (isAbortError(error)) {
    return new FerryError('cancelled', `Split cancelled mid-way: ${dir} is not a complete bundle until it finishes; run ${again} to finish it.`, { subject: dir, cause: error });
  }
  if (error instanceof FerryError && error.message.startsWith('Cannot finish the split')) return error;
  const errno = (error as NodeJS.ErrnoException).code;
  const code = error instanceof FerryError ? error.code : errno === 'ENOSPC' ? 'no-space' : 'io';
  const message = error instanceof Error ? error.message : String(error);
  return new FerryError(code, `${message.replace(/\.?$/, '.')} The split stopped mid-way: ${dir} is not a complete bundle until it finishes; fix that and run ${again}.`, { subject: dir, cause: error });
}
