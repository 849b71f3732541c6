import { createHash } from 'node:crypto';
import { lstat, readdir, rename, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { BundleManifestSchema, type BundleManifest } from '../../../shared/bundle-manifest.js';
import { SIGNATURES_DIR } from '../../../shared/signature.js';
import { planParts } from '../bundle/archive/parted-file.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { ARCHIVE_BASE, BUNDLE_FILE, SUMS_FILE } from '../bundle/output-folder.js';
import { parseSize } from '../bundle/parse-size.js';
import { ARCHIVE_FILE_NAME, newRunId, PARTIAL_NAME, partialName } from '../bundle/partial-name.js';
import { formatSha256Sums } from '../bundle/sha256sums.js';
import { checkParityCount, checkParityFits, parityPartNames, writeParityParts } from '../bundle/write-parity.js';
import { FerryError, isAbortError } from '../errors/ferry-error.js';
import { readReferenceManifest, type ReferenceManifest } from '../repair/read-reference-manifest.js';
import { parseStrictJson } from '../util/parse-strict-json.js';
import { syncDir } from '../util/sync-dir.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { openVerifiedBundle } from '../verify/open-verified-bundle.js';
import { copyIntoParts } from './copy-into-parts.js';
import { proveJournal, proveJournalBytes } from './prove-journal.js';
import { journalNote, readSplitJournal, removeSplitJournal, writeSplitJournal, SPLIT_JOURNAL, type SplitJournal } from './split-journal.js';

/** What to re-split. */
export interface SplitBundleOptions {
  /** The bundle folder. */
  dir: string;
  /** The new largest part size: `700MB`, `1GiB`, `fat32`, or bytes (at least 1 MiB). */
  size: string | number;
  /** Parity parts after the split, 0 to 32 (0 removes parity); default: as many as the bundle has now. */
  parity?: number;
  /**
   * Never take more than about one part of extra disk space, even when the disk has room for more (each new part
   * is then flushed, and the old parts it covers deleted, before the next is begun: slower). Without it that is
   * done only when free space is short.
   */
  frugal?: boolean;
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

/** What a refused split says did not happen. */
const NOTHING_CHANGED = 'nothing was changed';

/**
 * Re-splits a bundle in place into parts of at most `size` (and `parity` parity parts), streaming:
 * the whole bundle is first verified as `ferry verify` does (every part and blob, the metadata, bundle.json's
 * consistency, the signatures there), and nothing is deleted or rewritten before it passes; then
 * the folder stops looking complete (SHA256SUMS moved aside, a journal written, old parity and
 * signatures removed), the new parts are written under temporary names while each old part is
 * deleted as soon as all its bytes are in completed (flushed, journaled) new parts (extra space about one part;
 * when the disk has room for a few parts more, the flushes run behind the copy instead of stalling it), parity is
 * encoded, and finally the new parts, bundle.json and SHA256SUMS are renamed into place. The archive
 * and its sha256 do not change; bundle.json does, so signatures are removed. Interrupted at any point,
 * running it again (same size) finishes the job: the journal is first proven against bundle.json, and every
 * byte it relies on against its recorded sha256, before anything more is changed.
 */
export async function splitBundle(options: SplitBundleOptions, controls: JobControls = {}): Promise<SplitBundleResult> {
  const { signal, onProgress } = controls;
  const partSize = parseSize(options.size);
  const parityAsked = options.parity === undefined ? undefined : checkParityCount(options.parity, 0);
  const ref = await readReferenceManifest(options.dir);
  const { dir } = ref;
  let journal = await readSplitJournal(dir);
  let resumed = false;
  let next: BundleManifest | undefined;
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
    // nothing the journal says is acted on before it and the bytes it relies on are proven
    next = proveJournal(ref, journal);
    await proveJournalBytes(dir, journal, next, controls);
    resumed = true;
    onProgress?.({ kind: 'warning', message: `Finishing an interrupted split of ${dir}.`, subject: dir });
  } else {
    // the whole bundle proven, as ferry verify proves it, before any part is counted, deleted or rewritten
    await proveBundle(ref, controls);
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

  let manifest: BundleManifest;
  try {
    if (!journal.commit || !next) {
      if (journal.keepData) await stopLookingComplete(dir, journal);
      else await finishCopy(dir, journal, controls, onExtra, options.frugal ?? false);
      signal?.throwIfAborted();
      ({ commit: journal.commit, manifest: next } = await prepareCommit(ref, journal, controls));
      await writeSplitJournal(dir, journal);
      signal?.throwIfAborted();
    }
    manifest = next;
    await commit(dir, journal, manifest);
  } catch (error) {
    throw interrupted(error, dir, journal);
  }
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

/**
 * Verifies the bundle in `ref.dir` whole, as `ferry verify` does, and proves the bundle.json verified is the one
 * read: a damaged, altered or untrusted bundle (a signature there that does not verify) is refused, saying that
 * nothing was changed and how to mend it (a cancel here changes nothing either).
 */
async function proveBundle(ref: ReferenceManifest, controls: JobControls = {}): Promise<void> {
  const { dir, manifest } = ref;
  let verified;
  try {
    verified = await openVerifiedBundle({ dirs: [dir], consequence: NOTHING_CHANGED }, controls);
  } catch (error) {
    if (error instanceof FerryError && error.code === 'damaged') {
      const advice = manifest.archive.parity ? `Run ferry repair ${dir}, then split again.` : `Copy the damaged files again from the sender's bundle, then split again.`;
      throw new FerryError('damaged', `${error.message.replace(/\s*$/, '')} ${advice}`, { subject: error.subject ?? dir, cause: error });
    }
    throw error;
  }
  if (verified.bundleSha256 !== ref.sha256) {
    throw new FerryError('bad-bundle', `${join(dir, BUNDLE_FILE)} changed while the bundle was being verified; ${NOTHING_CHANGED}. Try again.`, { subject: join(dir, BUNDLE_FILE) });
  }
}

/** Clears leftovers of the (verified) bundle folder, then makes the folder stop looking complete and writes the journal. */
async function startSplit(
  ref: ReferenceManifest,
  newParts: SplitJournal['newParts'],
  partSize: number,
  parity: number,
  keepData: boolean,
  controls: JobControls,
): Promise<SplitJournal> {
  const { dir, manifest } = ref;
  const { signal } = controls;
  const oldNames = new Set([...manifest.archive.parts, ...(manifest.archive.parity?.parts ?? [])].map((p) => p.name));
  // 1. every old part and the archive were proven by the verification: the old layout as bundle.json records it
  let start = 0;
  const oldParts: SplitJournal['oldParts'] = manifest.archive.parts.map((part) => ({ name: part.name, start: (start += part.size) - part.size, size: part.size, sha256: part.sha256 }));

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
      clearedLeftovers.push(journalNote(name));
    }
  }

  // 4. from here on the folder is mid-split: journal first, then SHA256SUMS aside, old parity and signatures out
  const signatures = await signatureNames(dir);
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
    removedSignatures: signatures.map((s) => journalNote(`${SIGNATURES_DIR}/${s}`)),
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
  for (const s of await signatureNames(dir)) {
    const name = journalNote(`${SIGNATURES_DIR}/${s}`);
    if (!journal.removedSignatures.includes(name)) journal.removedSignatures.push(name);
  }
  // a link named signatures is removed itself (rm does not follow it); a folder with everything in it
  await rm(join(dir, SIGNATURES_DIR), { recursive: true, force: true });
  for (const name of journal.oldParity) await rm(join(dir, name), { force: true });
  await syncDir(dir);
}

/** The signature files in `<dir>/signatures` (none when it is absent, or a link: a link is never listed through). */
async function signatureNames(dir: string): Promise<string[]> {
  const info = await lstat(join(dir, SIGNATURES_DIR)).catch(() => undefined);
  if (!info?.isDirectory()) return [];
  return readdir(join(dir, SIGNATURES_DIR)).catch(() => [] as string[]);
}

/**
 * Copies what is left to copy. The archive's sha256 is not computed again: the completed new parts of an earlier
 * run and the old parts after them were proven to make it up ({@link proveJournalBytes}, a fresh split: the
 * verification), and every byte copied is checked against its old part's sha256 before that part is deleted.
 */
async function finishCopy(dir: string, journal: SplitJournal, controls: JobControls, onExtra: (bytes: number) => void, frugal: boolean): Promise<void> {
  const { signal, onProgress } = controls;
  await stopLookingComplete(dir, journal);
  // temporary files of other runs, and archive files that are neither old parts nor ours, go
  const oldNames = new Set(journal.oldParts.map((p) => p.name));
  const ours = `.ferry-${journal.run}-`;
  for (const name of await readdir(dir)) {
    if ((PARTIAL_NAME.test(name) && !name.startsWith(ours)) || (ARCHIVE_FILE_NAME.test(name) && !oldNames.has(name))) {
      await rm(join(dir, name), { force: true, recursive: true });
      journal.clearedLeftovers.push(journalNote(name));
    }
  }
  await copyIntoParts({ dir, journal, signal, onProgress, onExtra, lag: await flushLag(dir, journal, frugal) });
}

/** New parts whose flush may run behind the copy when the disk has room (each may take one more new part of space). */
const FLUSH_LAG = 2;
/** Free space kept beyond what the split takes, before new parts may be flushed behind the copy. */
const FLUSH_LAG_MARGIN = 64 * 1024 * 1024;

/**
 * How many completed new parts may still be being flushed (their old parts not yet deleted) while the next are
 * written: {@link FLUSH_LAG} when the disk holds, besides what the copy itself needs (about the largest old part and
 * a new part), that many more new parts, the new parity and a margin; else 0, the least space (about one part).
 */
async function flushLag(dir: string, journal: SplitJournal, frugal: boolean): Promise<number> {
  if (frugal) return 0;
  const largestNew = Math.max(...journal.newParts.map((p) => p.size));
  const largestOld = Math.max(...journal.oldParts.map((p) => p.size));
  const needed = largestOld + (FLUSH_LAG + 1) * largestNew + journal.parity * largestNew + FLUSH_LAG_MARGIN;
  const fs = await statfs(dir);
  return needed <= fs.bavail * fs.bsize ? FLUSH_LAG : 0;
}

/** Encodes the new parity and builds the new bundle.json and SHA256SUMS (written at commit). */
async function prepareCommit(ref: ReferenceManifest, journal: SplitJournal, controls: JobControls): Promise<{ commit: NonNullable<SplitJournal['commit']>; manifest: BundleManifest }> {
  const { dir } = ref;
  const temp = (name: string): string => join(dir, partialName(journal.run, name));
  const dataPath = (name: string): string => (journal.keepData ? join(dir, name) : temp(name));
  // parity of an interrupted run, or anything planted under its temporary names (a link included), goes first:
  // the encoder creates its files afresh, never writing through what was there
  for (const name of parityPartNames(journal.parity)) await rm(temp(name), { force: true, recursive: true });
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
  const raw = parseStrictJson(ref.bytes) as { archive: Record<string, unknown> };
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
  return { commit: { manifest: text, manifestSha256, sums }, manifest };
}

/** Renames the new parts (of `manifest`, the commit's proven bundle.json) into place, then bundle.json, then SHA256SUMS last; removes the journal. Idempotent. */
async function commit(dir: string, journal: SplitJournal, manifest: BundleManifest): Promise<void> {
  const { commit: c } = journal;
  if (!c) throw new Error('split: nothing to commit');
  const names = [...manifest.archive.parts, ...(manifest.archive.parity?.parts ?? [])];
  for (const part of names) {
    const temp = join(dir, partialName(journal.run, part.name));
    try {
      await rename(temp, join(dir, part.name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // renamed by an earlier run that stopped here, or never moved (only the parity changed)
      const found = await lstat(join(dir, part.name)).catch(() => undefined);
      if (!found?.isFile() || found.size !== part.size) throw new FerryError('damaged', `Cannot finish the split: ${part.name} is missing.`, { subject: join(dir, part.name) });
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
