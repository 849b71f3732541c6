import { createHash, type Hash } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import { planParts } from '../bundle/archive/parted-file.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { parseBundleManifest } from '../bundle/inspect-bundle.js';
import { ARCHIVE_BASE, BUNDLE_FILE, SUMS_FILE } from '../bundle/output-folder.js';
import { ARCHIVE_FILE_NAME, PARTIAL_NAME, partialName } from '../bundle/partial-name.js';
import { formatSha256Sums } from '../bundle/sha256sums.js';
import { checkParityFits } from '../bundle/write-parity.js';
import { FerryError } from '../errors/ferry-error.js';
import { ProgressMeter } from '../progress/progress-meter.js';
import type { ReferenceManifest } from '../repair/read-reference-manifest.js';
import { parseStrictJson } from '../util/parse-strict-json.js';
import { openRegularFile } from '../util/read-regular-file.js';
import { JOURNAL_ADVICE, SPLIT_JOURNAL, type SplitJournal } from './split-journal.js';

const CHUNK = 1024 * 1024;
const SIGNATURE_NOTE = /^signatures\/[^/]+$/;

/**
 * Proves that an interrupted split's journal is the one this folder's `bundle.json` (`ref`) implies, before a
 * resumed split acts on a single field of it: the same bundle and archive; the old parts exactly bundle.json's
 * (when bundle.json is still the old one); the new parts exactly the plan for `partSize`; the completed parts a
 * prefix of them; the parity within Reed–Solomon's bounds; and the commit (once prepared) a bundle.json that is
 * valid, consistent, equal to the old one but for its parts, hashing to what the journal says, with the
 * SHA256SUMS it implies. Returns the manifest the archive is described by after the split (the commit's), when
 * prepared. Throws a `damaged` error naming the journal and what disagrees; nothing has been changed then.
 */
export function proveJournal(ref: ReferenceManifest, journal: SplitJournal): BundleManifest | undefined {
  const path = join(ref.dir, SPLIT_JOURNAL);
  const problems: string[] = [];
  const fail = (why: string): void => void problems.push(why);
  const onOld = ref.sha256 === journal.oldManifestSha256;

  let next: BundleManifest | undefined;
  if (journal.commit) {
    const c = journal.commit;
    const bytes = Buffer.from(c.manifest, 'utf8');
    if (createHash('sha256').update(bytes).digest('hex') !== c.manifestSha256) fail('the new bundle.json it holds does not hash to its recorded sha256');
    else {
      try {
        next = parseBundleManifest(bytes, `the new ${BUNDLE_FILE} in ${SPLIT_JOURNAL}`);
      } catch (error) {
        fail((error as Error).message);
      }
    }
  } else if (!onOld) fail(`it has no new ${BUNDLE_FILE}, yet ${BUNDLE_FILE} is not the one it started from`);

  for (const [what, m] of [[`${BUNDLE_FILE}`, onOld ? ref.manifest : undefined], ['its new bundle.json', next]] as const) {
    if (!m) continue;
    if (m.id !== journal.bundleId) fail(`it is for bundle ${JSON.stringify(journal.bundleId)}, ${what} is bundle ${m.id}`);
    if (m.archive.size !== journal.archive.size || m.archive.sha256 !== journal.archive.sha256) fail(`its archive (${journal.archive.size} bytes, sha256 ${journal.archive.sha256}) is not the one ${what} records`);
  }

  // the old layout: bundle.json's own parts, when bundle.json is still the old one; else at least one archive
  const contiguous = (parts: readonly { start: number; size: number }[]): boolean => parts.every((p, i) => p.start === (i === 0 ? 0 : parts[i - 1]!.start + parts[i - 1]!.size));
  if (onOld) {
    let start = 0;
    const expected = ref.manifest.archive.parts.map((p) => ({ name: p.name, start: (start += p.size) - p.size, size: p.size, sha256: p.sha256 }));
    if (!isDeepStrictEqual(journal.oldParts.map(({ name, start: s, size, sha256 }) => ({ name, start: s, size, sha256 })), expected)) fail(`its old parts are not the parts ${BUNDLE_FILE} records`);
    if (!isDeepStrictEqual(journal.oldParity, (ref.manifest.archive.parity?.parts ?? []).map((p) => p.name))) fail(`its old parity parts are not the ones ${BUNDLE_FILE} records`);
  } else {
    const total = journal.oldParts.reduce((n, p) => n + p.size, 0);
    if (!contiguous(journal.oldParts) || total !== journal.archive.size || journal.oldParts.some((p) => !ARCHIVE_FILE_NAME.test(p.name))) fail('its old parts do not make up the archive');
    if (journal.oldParity.some((n) => !/^bundle\.tar\.p\d{2,}$/.test(n))) fail('its old parity parts are not parity parts');
  }

  // the new layout: exactly the plan for this part size (counted before it is built: the numbers are not yet trusted)
  const count = journal.partSize >= journal.archive.size ? 1 : Math.ceil(journal.archive.size / journal.partSize);
  if (count !== journal.newParts.length) fail(`it plans ${journal.newParts.length} new parts, but ${journal.archive.size} bytes in parts of ${journal.partSize} are ${count}`);
  else {
    const plan = planParts(journal.archive.size, journal.partSize, (n) => n, ARCHIVE_BASE).map(({ name, start, size }) => ({ name, start, size }));
    if (!isDeepStrictEqual(journal.newParts.map(({ name, start, size }) => ({ name, start, size })), plan)) fail(`its new parts are not the plan for parts of ${journal.partSize} bytes`);
    try {
      checkParityFits(plan.length, journal.parity);
    } catch (error) {
      fail((error as Error).message);
    }
    const sameData = plan.length === journal.oldParts.length && plan.every((p, i) => p.name === journal.oldParts[i]!.name && p.size === journal.oldParts[i]!.size);
    if ((journal.keepData ?? false) !== sameData) fail(sameData ? 'it rewrites data parts that keep their layout' : 'it keeps data parts whose layout changes');
  }
  if (journal.completed.length > journal.newParts.length || journal.completed.some((c, i) => c.name !== journal.newParts[i]?.name)) fail('its completed parts are not the first of its new parts');
  if (journal.keepData && !isDeepStrictEqual(journal.completed, journal.oldParts.map((p) => ({ name: p.name, sha256: p.sha256 })))) fail('it keeps the data parts, but does not record them as they are');
  if (journal.removedSignatures.some((n) => !SIGNATURE_NOTE.test(n))) fail('it lists removed signatures that are not files of signatures/');
  if (journal.clearedLeftovers.some((n) => !PARTIAL_NAME.test(n) && !ARCHIVE_FILE_NAME.test(n))) fail('it lists removed leftovers that are not leftovers');

  if (next && journal.commit) {
    const parts = journal.newParts.map((p, i) => ({ name: p.name, size: p.size, sha256: journal.completed[i]?.sha256 }));
    if (!isDeepStrictEqual(next.archive.parts.map((p) => ({ name: p.name, size: p.size, sha256: p.sha256 })), parts)) fail('its new bundle.json does not record the new parts it wrote');
    if ((next.archive.parity?.parts.length ?? 0) !== journal.parity) fail(`its new bundle.json does not have the ${journal.parity} parity part(s) it asks for`);
    if (onOld && !sameButParts(ref.bytes, journal.commit.manifest)) fail(`its new bundle.json differs from ${BUNDLE_FILE} in more than the archive's parts`);
    const sums = formatSha256Sums([
      { sha256: journal.commit.manifestSha256, name: BUNDLE_FILE },
      ...[...next.archive.parts, ...(next.archive.parity?.parts ?? [])].map((p) => ({ sha256: p.sha256, name: p.name })),
    ]);
    if (sums !== journal.commit.sums) fail(`its new ${SUMS_FILE} is not the one its new bundle.json implies`);
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; … and ${problems.length - 5} more` : '');
    throw new FerryError('damaged', `${path}, the journal of an interrupted split, does not agree with ${BUNDLE_FILE} (${shown}), so the split cannot be finished from it; ${JOURNAL_ADVICE}`, { subject: path });
  }
  return next;
}

/** The two bundle.json texts are the same document but for `archive.parts` and `archive.parity`. */
function sameButParts(oldBytes: Buffer, next: string): boolean {
  try {
    const strip = (doc: unknown): unknown => {
      const { archive, ...rest } = doc as { archive: Record<string, unknown> };
      const { parts: _parts, parity: _parity, ...kept } = archive;
      return { ...rest, archive: kept };
    };
    return isDeepStrictEqual(strip(parseStrictJson(oldBytes)), strip(parseStrictJson(next)));
  } catch {
    return false;
  }
}

/**
 * Proves, before a resumed split changes anything, every byte the journal relies on, reading each file as a
 * regular file only (never a link, FIFO or device):
 * - copying (no commit yet): the completed new parts (temporary names) against their recorded sha256, then the
 *   old parts still needed, each whole against bundle.json's sha256 (`keepData`: every data part in place);
 *   the completed bytes followed by the old bytes after them must hash to the archive's sha256, so nothing
 *   the split deletes next holds a byte that exists nowhere else.
 * - committing: every part of the new bundle.json (data and parity, at its temporary or its final name) against
 *   its sha256, and the data parts together against the archive's.
 * Returns the archive hash fed with the completed new parts (to continue the copy with). Throws a `damaged`
 * error naming the file at fault; nothing has been changed then.
 */
export async function proveJournalBytes(dir: string, journal: SplitJournal, next: BundleManifest | undefined, controls: JobControls = {}): Promise<Hash> {
  const { signal, onProgress } = controls;
  const temp = (name: string): string => join(dir, partialName(journal.run, name));
  const archive = createHash('sha256');
  let afterCompleted: Hash | undefined;
  const jobs: { path: string; name: string; size: number; sha256: string; archiveFrom?: number }[] = [];
  if (next) {
    for (const p of next.archive.parts) jobs.push({ path: (await isThere(temp(p.name))) ? temp(p.name) : join(dir, p.name), name: p.name, size: p.size, sha256: p.sha256, archiveFrom: 0 });
    for (const p of next.archive.parity?.parts ?? []) jobs.push({ path: (await isThere(temp(p.name))) ? temp(p.name) : join(dir, p.name), name: p.name, size: p.size, sha256: p.sha256 });
  } else if (journal.keepData) {
    for (const p of journal.oldParts) jobs.push({ path: join(dir, p.name), name: p.name, size: p.size, sha256: p.sha256, archiveFrom: 0 });
  } else {
    journal.completed.forEach((c, i) => jobs.push({ path: temp(c.name), name: c.name, size: journal.newParts[i]!.size, sha256: c.sha256, archiveFrom: 0 }));
    const last = journal.newParts[journal.completed.length - 1];
    const resumeAt = last ? last.start + last.size : 0;
    for (const p of journal.oldParts) {
      if (p.start + p.size > resumeAt) jobs.push({ path: join(dir, p.name), name: p.name, size: p.size, sha256: p.sha256, archiveFrom: Math.max(0, resumeAt - p.start) });
    }
  }
  const total = jobs.reduce((n, j) => n + j.size, 0);
  onProgress?.({ kind: 'phase-start', phase: 'verify', totalBytes: total, totalItems: jobs.length });
  const meter = new ProgressMeter('verify', total, onProgress);
  const completed = next || journal.keepData ? 0 : journal.completed.length;
  for (const [i, job] of jobs.entries()) {
    if (i === completed) afterCompleted = archive.copy();
    const got = await hashRegularFile(job.path, job.name, job.size, job.archiveFrom === undefined ? undefined : { hash: archive, from: job.archiveFrom }, signal, (n) => meter.add(n));
    if (got.size !== job.size || got.sha256 !== job.sha256) {
      throw new FerryError(
        'damaged',
        `Cannot finish the split: ${job.path} (${job.name}) is ${got.size !== job.size ? `${got.size} bytes, not ${job.size}` : 'damaged (its sha256 does not match)'}; nothing was changed. The bundle must be copied again from its sender.`,
        { subject: job.path },
      );
    }
  }
  afterCompleted ??= archive.copy();
  if (archive.digest('hex') !== journal.archive.sha256) {
    throw new FerryError('damaged', `Cannot finish the split: the parts it relies on in ${dir} do not add up to the archive's recorded sha256; nothing was changed. The bundle must be copied again from its sender.`, { subject: dir });
  }
  meter.finish();
  onProgress?.({ kind: 'phase-end', phase: 'verify' });
  return afterCompleted;
}

async function isThere(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}

/**
 * sha256 and size of a regular file (opened without following a link or blocking on a FIFO); bytes from
 * `archive.from` on also feed `archive.hash`. A file whose size is not `expected` is not read (its size is
 * returned with no hash).
 */
async function hashRegularFile(
  path: string,
  name: string,
  expected: number,
  archive: { hash: Hash; from: number } | undefined,
  signal: AbortSignal | undefined,
  onBytes: (n: number) => void,
): Promise<{ sha256: string; size: number }> {
  let fh;
  try {
    fh = await openRegularFile(path, `${name} (${path})`);
  } catch (error) {
    const why = error instanceof FerryError ? error.message.replace(/\.$/, '') : `${path} cannot be opened`;
    throw new FerryError('damaged', `Cannot finish the split: ${why}; nothing was changed. The bundle must be copied again from its sender.`, { subject: path, cause: error });
  }
  try {
    const { size: stored } = await fh.stat();
    if (stored !== expected) return { sha256: '', size: stored };
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(CHUNK);
    let size = 0;
    while (size <= expected) {
      signal?.throwIfAborted();
      const { bytesRead } = await fh.read(buffer, 0, buffer.length, size);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      hash.update(chunk);
      if (archive && size + bytesRead > archive.from) archive.hash.update(chunk.subarray(Math.max(0, archive.from - size)));
      size += bytesRead;
      onBytes(bytesRead);
    }
    return { sha256: hash.digest('hex'), size };
  } finally {
    await fh.close();
  }
}
