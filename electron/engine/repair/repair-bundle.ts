import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobControls } from '../bundle/create-bundle.js';
import { SUMS_FILE, BUNDLE_FILE } from '../bundle/output-folder.js';
import { newRunId, PARTIAL_NAME, partialName } from '../bundle/partial-name.js';
import { formatSha256Sums, parseSha256Sums, type SumLine } from '../bundle/sha256sums.js';
import { FerryError } from '../errors/ferry-error.js';
import { rebuildShardFiles } from '../parity/rebuild-shard-files.js';
import { ProgressMeter } from '../progress/progress-meter.js';
import { readSplitJournal, SPLIT_JOURNAL } from '../split/split-journal.js';
import { readRegularFile } from '../util/read-regular-file.js';
import { syncDir } from '../util/sync-dir.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { readReferenceManifest } from './read-reference-manifest.js';
import { scanArchiveFiles, type ArchiveFileState } from './scan-archive-files.js';

/** A SHA256SUMS larger than this is not read (a bundle's lists a handful of names). */
const MAX_SUMS_BYTES = 1024 * 1024;

/** A part found missing or damaged, and what became of it. */
export interface DamagedPart {
  name: string;
  role: 'data' | 'parity';
  state: Exclude<ArchiveFileState, 'ok'>;
  /** What was wrong with it. */
  problem: string;
  /** Rebuilt from parity and proven against its sha256 in bundle.json. */
  rebuilt: boolean;
  /** Why it was not rebuilt, when it was not. */
  reason?: string;
}

/** What {@link repairBundle} found and did. */
export interface RepairResult {
  dir: string;
  bundleId: string;
  /** Every data and parity part now matches bundle.json, and SHA256SUMS agrees with them. */
  whole: boolean;
  /** Parity parts the bundle has (0: repair can only report). */
  parityParts: number;
  /** Data and parity parts checked. */
  partsChecked: number;
  /** The parts found missing or damaged, rebuilt or not. */
  damaged: DamagedPart[];
  /**
   * SHA256SUMS: `ok`; `written` (it was missing, malformed or wrong about a part: rewritten from
   * bundle.json); `conflict` (its bundle.json line differs: left alone); `unchecked` (parts are still
   * bad, so it is left as it is).
   */
  sums: 'ok' | 'written' | 'conflict' | 'unchecked';
  /** Temporary files of earlier interrupted runs, removed. */
  clearedLeftovers: string[];
  /** Why the bundle is not whole, one sentence each (empty when whole). */
  problems: string[];
}

/**
 * Finds missing and damaged data and parity parts (size and sha256 against `bundle.json`, which is
 * the reference and is proven first: a regular file, strict JSON, the schema, consistent in itself;
 * SHA256SUMS may be damaged too) and, when at most N are bad and the bundle has N parity parts,
 * rebuilds them under temporary names, proves each against its recorded sha256, and only then renames
 * it into place: a part that matches bundle.json is never deleted or overwritten, and a part that is
 * a link or not a regular file is never read (it counts as bad, and is replaced by rename). Finally SHA256SUMS is rewritten from bundle.json when it is
 * missing or wrong about a part. Never throws for damage it finds: the result says what is whole.
 */
export async function repairBundle(target: string, controls: JobControls = {}): Promise<RepairResult> {
  const { signal, onProgress } = controls;
  const ref = await readReferenceManifest(target);
  const { dir, manifest } = ref;
  const journal = await readSplitJournal(dir);
  if (journal) {
    const ours = ref.sha256 === journal.oldManifestSha256 || ref.sha256 === journal.commit?.manifestSha256;
    throw new FerryError(
      'bad-bundle',
      ours
        ? `${dir} is in the middle of an interrupted ferry split; finish it first (ferry split ${dir} --size ${journal.partSize} --parity ${journal.parity}), then repair if still needed.`
        : `${dir} holds the journal of an interrupted split (${SPLIT_JOURNAL}) that belongs to another bundle.json. If the folder was bundled anew since, delete ${SPLIT_JOURNAL} and repair again.`,
      { subject: join(dir, SPLIT_JOURNAL) },
    );
  }
  const clearedLeftovers: string[] = [];
  for (const name of (await readdir(dir)).filter((n) => PARTIAL_NAME.test(n))) {
    await rm(join(dir, name), { force: true, recursive: true });
    clearedLeftovers.push(name);
  }

  const scanned = await scanArchiveFiles(dir, manifest, { signal, onProgress });
  const bad = scanned.filter((f) => f.state !== 'ok');
  const parity = manifest.archive.parity;
  const n = parity?.parts.length ?? 0;
  const damaged: DamagedPart[] = bad.map((f) => ({ name: f.name, role: f.role, state: f.state as DamagedPart['state'], problem: f.problem!, rebuilt: false }));
  const problems: string[] = [];

  if (bad.length > 0 && !parity) {
    for (const d of damaged) d.reason = 'the bundle has no parity parts';
    problems.push(`${names(damaged)} ${bad.length === 1 ? 'is' : 'are'} bad and this bundle has no parity parts, so nothing can be rebuilt here: copy ${bad.length === 1 ? 'it' : 'them'} again from the sender's bundle (only a bundle made with parity parts can be repaired).`);
  } else if (bad.length > n) {
    for (const d of damaged) d.reason = `${bad.length} parts are bad; ${n} parity part(s) rebuild at most ${n}`;
    problems.push(`${names(damaged)} are bad: ${bad.length} parts, but the ${n} parity part(s) can rebuild at most ${n}. Copy some of them again from the sender's bundle, then repair again.`);
  } else if (bad.length > 0 && parity) {
    const run = newRunId();
    const temps = bad.map((f) => join(dir, partialName(run, f.name)));
    const k = manifest.archive.parts.length;
    onProgress?.({ kind: 'phase-start', phase: 'repair', totalBytes: k * parity.shardSize, totalItems: bad.length });
    const meter = new ProgressMeter('repair', k * parity.shardSize, onProgress);
    try {
      const hashes = await rebuildShardFiles({
        dataShards: k,
        parityShards: n,
        shardSize: parity.shardSize,
        shards: scanned.map((f) => ({ path: join(dir, f.name), size: f.record.size })),
        lost: bad.map((f) => f.shard),
        outputPaths: temps,
        signal,
        onBytes: (b) => meter.add(b),
      });
      meter.finish();
      for (const [i, f] of bad.entries()) {
        const d = damaged[i]!;
        if (hashes[i] === f.record.sha256) {
          await rename(temps[i]!, join(dir, f.name));
          d.rebuilt = true;
          onProgress?.({ kind: 'item-end', phase: 'repair', item: f.name, bytes: f.record.size, detail: 'rebuilt' });
        } else {
          await rm(temps[i]!, { force: true });
          d.reason = 'the rebuilt bytes do not match its sha256 in bundle.json (the parity does not belong to these parts)';
          problems.push(`${f.name} could not be rebuilt: the rebuilt bytes do not match its sha256 in bundle.json, so the parity parts do not belong to these parts.`);
        }
      }
      await syncDir(dir);
    } catch (error) {
      await Promise.all(temps.map((t) => rm(t, { force: true })));
      throw error;
    } finally {
      onProgress?.({ kind: 'phase-end', phase: 'repair' });
    }
  }

  const sums = await checkSums(dir, ref.sha256, manifest.archive.parts, parity?.parts ?? [], damaged.some((d) => !d.rebuilt));
  if (sums === 'conflict') {
    problems.push(
      `${SUMS_FILE} records a different sha256 for ${BUNDLE_FILE}: bundle.json was changed or one of the two is damaged. The parts were checked against bundle.json; verify its signatures before trusting it.`,
    );
  }
  return {
    dir,
    bundleId: manifest.id,
    whole: problems.length === 0,
    parityParts: n,
    partsChecked: scanned.length,
    damaged,
    sums,
    clearedLeftovers,
    problems,
  };
}

/**
 * Compares SHA256SUMS with what bundle.json says it must hold. A bundle.json line that differs is a
 * conflict left for the user (rewriting it would hide a changed bundle.json); otherwise a missing,
 * malformed or wrong SHA256SUMS is rewritten from bundle.json — unless parts are still bad, when the
 * folder must not look complete.
 */
async function checkSums(
  dir: string,
  bundleSha256: string,
  parts: { name: string; sha256: string }[],
  parity: { name: string; sha256: string }[],
  stillBad: boolean,
): Promise<RepairResult['sums']> {
  const expected: SumLine[] = [{ sha256: bundleSha256, name: BUNDLE_FILE }, ...[...parts, ...parity].map((p) => ({ sha256: p.sha256, name: p.name }))];
  const path = join(dir, SUMS_FILE);
  let found: SumLine[] | undefined;
  try {
    // never a link, FIFO or device, and bounded: a SHA256SUMS that is not a small regular file is rewritten (by rename)
    found = parseSha256Sums((await readRegularFile(path, { maxBytes: MAX_SUMS_BYTES, what: path })).toString('utf8'));
  } catch {
    found = undefined; // missing, malformed, or not a file that may be read
  }
  const bundleLine = found?.find((l) => l.name === BUNDLE_FILE);
  if (bundleLine && bundleLine.sha256 !== bundleSha256) return 'conflict';
  const text = formatSha256Sums(expected);
  const same = found !== undefined && found.length === expected.length && expected.every((e) => found!.some((l) => l.name === e.name && l.sha256 === e.sha256));
  if (same) return 'ok';
  if (stillBad) return 'unchecked';
  await writeFileAtomic(path, text);
  await syncDir(dir);
  return 'written';
}

function names(parts: { name: string }[]): string {
  return parts.map((p) => p.name).join(', ');
}
