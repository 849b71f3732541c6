import type { BundleManifest, ChartRecord } from '../../../shared/bundle-manifest.js';
import { formatBytes } from '../../../shared/format.js';
import type { IntegrityCheck, IntegrityReport, ReliesOnReport } from '../../../shared/verify-report.js';
import type { TarEntry } from '../bundle/archive/tar-reader.js';
import { describeDeltaBase } from '../bundle/describe-delta.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { ProgressMeter } from '../progress/progress-meter.js';
import { ArchiveWalk, type WalkOutcome } from './archive-walk.js';
import { openBundleVolumes, type BundleVolume } from './bundle-volumes.js';
import { checkArchiveStructure, type StructureOutcome } from './check-archive-structure.js';
import { checkBundleJson, type BundleJsonReading } from './check-bundle-json.js';
import { checkPartContents, locateParts, type ArchiveFileCopy, type PartsLayout } from './check-parts.js';
import { checkSumsFiles } from './check-sums-files.js';
import { FaultList } from './fault-list.js';
import { listNames, PartRanges } from './part-ranges.js';
import { readFilesOnce, type FileToRead } from './read-files-once.js';
import { archiveFilesIn, VERIFY_CHUNK, verifyHasher } from './verify-hasher.js';
import { repairAdvice } from './repair-advice.js';

/** What to verify. */
export interface VerifyIntegrityOptions {
  /** The bundle folder, a mount point with a bundle at its root, or every volume of a multi-volume set. */
  dirs: string[];
}

/** An integrity verification with what later checks (signatures, policy) build on. */
export interface IntegrityOutcome {
  report: IntegrityReport;
  /** The bundle.json verification went by, when one was valid. */
  manifest?: BundleManifest;
  /** Its exact bytes (what signatures bind). */
  bundleJson?: Buffer;
  /** The folders, as opened (absolute paths). */
  dirs: string[];
  /** Blob digest → the images (references) whose manifests reference it, as the archive's manifests say (when walked). */
  owners?: Map<string, Set<string>>;
  /** Blob digest → the carried chart it belongs to (when its manifest was read). */
  chartOwners?: Map<string, ChartRecord>;
  /** Every archive entry by path, when the walk reached the end-of-archive marker (so nothing reads the headers again). */
  entries?: Map<string, TarEntry>;
}

/**
 * Verifies a bundle's bytes, reporting every fault at once (it never stops at the first):
 * `bundle.json` on every volume; each volume's `SHA256SUMS`; every data and parity part present
 * once with its recorded size and sha256 (stray, renamed and reordered parts named); and, in the
 * same single read of every byte, the archive walked across its parts: every blob's size and
 * digest, every entry accounted for, and the OCI and docker-save metadata consistent with
 * bundle.json. Throws only for bad usage (a folder that does not exist) or cancellation.
 */
export async function verifyIntegrity(options: VerifyIntegrityOptions, controls: JobControls = {}): Promise<IntegrityReport> {
  return (await checkIntegrity(options, controls)).report;
}

/** {@link verifyIntegrity}, also returning the manifest and bundle.json bytes that signature and policy checks need. */
export async function checkIntegrity(options: VerifyIntegrityOptions, controls: JobControls = {}): Promise<IntegrityOutcome> {
  const { onProgress, signal } = controls;
  signal?.throwIfAborted();
  const volumes = await openBundleVolumes(options.dirs);
  const dirs = volumes.map((v) => v.dir);
  const faults = new FaultList();
  // the hashing thread boots (tens of milliseconds) while bundle.json is read and checked here, if a command did not
  // start it even earlier
  const hasher = verifyHasher(signal);
  // and hashes the archive files by itself from now on, on the other core, while this one checks bundle.json
  void hasher.prehash(archiveFilesIn(volumes.map((v) => ({ dir: v.dir, names: v.names }))));
  let reading: BundleJsonReading;
  let layout: PartsLayout | undefined;
  try {
    reading = await checkBundleJson(volumes, faults);
    layout = reading.manifest ? await locateParts(reading.manifest, volumes, faults) : undefined;
  } catch (error) {
    await hasher.close();
    throw error;
  }
  const manifest = reading.manifest;

  // one read of every archive file: the data parts in order first, walked as they stream past
  const ranges = manifest ? new PartRanges(manifest.archive.parts) : undefined;
  const walk = manifest && layout?.walk ? new ArchiveWalk(manifest, ranges!, (message) => onProgress?.({ kind: 'warning', message })) : undefined;
  const toRead = layout ? filesToRead(layout) : [];
  const files: FileToRead[] = toRead.map((copy) => ({ path: copy.path, ...(walk && layout!.walk!.includes(copy) ? { sink: walk } : {}) }));
  const totalBytes = toRead.reduce((n, c) => n + c.size, 0);
  const label = (copy: ArchiveFileCopy): string => (volumes.length > 1 ? `${copy.name} (${copy.volume.dir})` : copy.name);
  onProgress?.({ kind: 'phase-start', phase: 'verify', totalBytes, totalItems: toRead.length });
  const meter = new ProgressMeter('verify', totalBytes, onProgress);
  const results = await readFilesOnce(files, {
    chunkSize: VERIFY_CHUNK,
    hasher,
    ...(signal ? { signal } : {}),
    onBytes: (n) => meter.add(n),
    onFileStart: (i) => onProgress?.({ kind: 'item-start', phase: 'verify', item: label(toRead[i]!), totalBytes: toRead[i]!.size }),
    onFileEnd: (i, r) => onProgress?.({ kind: 'item-end', phase: 'verify', item: label(toRead[i]!), bytes: r.bytes, ...(r.error ? { detail: r.error } : {}) }),
  });
  meter.finish();
  onProgress?.({ kind: 'phase-end', phase: 'verify' });
  toRead.forEach((copy, i) => (copy.read = results[i]));

  const walked = walk?.finish();
  const parts = layout ? checkPartContents(layout, faults) : { files: [], lost: [] };
  const sumsChecked = await checkSumsFiles(volumes, manifest, reading.perVolume, layout, faults);
  const structure = manifest && walked ? checkArchiveStructure(manifest, walked, faults) : undefined;
  const charts = manifest && walked ? chartOwners(manifest, walked) : undefined;
  if (manifest && walked) reportBlobs(manifest, walked, structure!, charts!, parts.lost, faults);
  const reliesOn = manifest?.delta ? reliesOnReport(manifest, structure) : undefined;

  const repair = manifest ? repairAdvice(manifest, parts.lost, dirs) : undefined;
  const report: IntegrityReport = {
    ok: faults.all.length === 0,
    ...(manifest ? { bundleId: manifest.id } : {}),
    dirs,
    parts: parts.files,
    blobsChecked: walked?.blobsChecked ?? 0,
    bytesChecked: meter.count,
    faults: faults.all,
    checks: summarize({ manifest, volumes, layout, walked, structure, sumsChecked, faults, totalBytes }),
    ...(repair ? { repair } : {}),
    ...(reliesOn ? { reliesOn } : {}),
  };
  return {
    report,
    ...(manifest ? { manifest, bundleJson: reading.bytes! } : {}),
    dirs,
    ...(structure ? { owners: structure.owners } : {}),
    ...(charts ? { chartOwners: charts } : {}),
    ...(walked?.complete ? { entries: walked.entries } : {}),
  };
}

/** A delta's blobs held offline, with the images needing each (when the archive's manifests were read): not faults. */
function reliesOnReport(manifest: BundleManifest, structure: StructureOutcome | undefined): ReliesOnReport {
  const omitted = manifest.delta!.omitted;
  return {
    count: omitted.length,
    bytes: omitted.reduce((n, o) => n + o.size, 0),
    against: manifest.delta!.against.map(describeDeltaBase),
    blobs: omitted.map((o) => ({
      digest: o.digest,
      size: o.size,
      mediaType: o.mediaType,
      ...(o.repository !== undefined ? { repository: o.repository } : {}),
      images: [...(structure?.owners.get(o.digest) ?? [])].sort(),
    })),
  };
}

/**
 * The files to read, each once: the copies the archive is walked through (in order), then every
 * other copy and stray that can be judged by its content. A copy or stray whose size matches no
 * recorded part cannot hold any part's bytes, so it is not read.
 */
function filesToRead(layout: PartsLayout): ArchiveFileCopy[] {
  const walk = layout.walk ?? [];
  const sizes = new Set(layout.recorded.map((r) => r.part.size));
  const rest = [...layout.recorded.flatMap((r) => r.copies), ...layout.strays].filter((c) => !walk.includes(c) && sizes.has(c.size));
  return [...walk, ...rest];
}

/** Turns the walk's findings into faults naming the blob, its images and the parts holding it; then blobs never found. */
function reportBlobs(manifest: BundleManifest, walked: WalkOutcome, structure: StructureOutcome, charts: Map<string, ChartRecord>, lost: string[], faults: FaultList): void {
  const records = new Map(manifest.blobs.map((b) => [b.digest, b]));
  const describe = (digest: string): string => {
    const record = records.get(digest);
    const role = record ? roleOf(record.mediaType) : 'blob';
    const images = [...(structure.owners.get(digest) ?? [])];
    const chart = charts.get(digest);
    return `${role} ${digest}${images.length > 0 ? ` of ${listNames(images.slice(0, 3))}${images.length > 3 ? ` and ${images.length - 3} more` : ''}` : chart ? ` of chart ${chart.name} ${chart.version}` : ''}`;
  };
  for (const p of walked.problems) {
    const damaged = p.parts.filter((name) => lost.includes(name));
    const where =
      p.parts.length === 0 ? '' : p.parts.length === 1 ? ` in ${p.parts[0]}` : ` in ${listNames(p.parts)}${damaged.length > 0 && damaged.length < p.parts.length ? ` (${listNames(damaged)} fails its checksum)` : ''}`;
    const part = damaged.length === 1 ? damaged[0]! : p.parts.join(', ');
    const check = p.kind === 'archive-structure' || p.kind === 'metadata' ? 'structure' : 'blobs';
    const subject = p.blob && p.kind !== 'blob-unexpected' ? `The ${describe(p.blob)}${where}` : p.entry ? `${p.entry}${where}` : `The archive${where}`;
    const message = p.kind === 'blob-unexpected' ? `${where ? `${capitalize(where.trim())}: ` : ''}${p.detail}.` : `${subject}: ${p.detail}.`;
    faults.add(check, { kind: p.kind, message, ...(part ? { part, file: part } : {}), ...(p.blob ? { blob: p.blob } : {}) });
  }
  if (!walked.complete) return;
  const leftOut = new Set(manifest.images.flatMap((i) => i.foreignLayers.filter((f) => !f.carried).map((f) => f.digest)));
  for (const blob of manifest.blobs) {
    if (walked.present.has(blob.digest) || leftOut.has(blob.digest)) continue;
    faults.add('blobs', { kind: 'blob-missing', blob: blob.digest, message: `The ${describe(blob.digest)} (${blob.size} bytes) is listed in bundle.json but not in the archive.` });
  }
  for (const file of manifest.files ?? []) {
    if (!walked.filesPresent.has(file.name)) faults.add('blobs', { kind: 'blob-missing', file: `files/${file.name}`, message: `File ${file.name} (${file.size} bytes) is listed in bundle.json but not in the archive.` });
  }
}

/** Blob digest → its chart, for the blobs of carried charts (manifest, chart, and the rest when the manifest was read). */
function chartOwners(manifest: BundleManifest, walked: WalkOutcome): Map<string, ChartRecord> {
  const owners = new Map<string, ChartRecord>();
  for (const c of manifest.charts ?? []) {
    owners.set(c.digest, c);
    owners.set(c.chartDigest, c);
    const bytes = walked.documents.get(c.digest);
    if (!bytes) continue;
    try {
      const doc = JSON.parse(bytes.toString('utf8')) as { config?: { digest?: unknown }; layers?: { digest?: unknown }[] };
      for (const d of [doc.config, ...(doc.layers ?? [])]) if (typeof d?.digest === 'string') owners.set(d.digest, c);
    } catch {
      // a manifest that does not parse is reported by the structure check
    }
  }
  return owners;
}

function roleOf(mediaType: string): string {
  if (/manifest\.list|image\.index/.test(mediaType)) return 'index';
  if (/manifest/.test(mediaType)) return 'manifest';
  if (/config/.test(mediaType)) return 'config';
  if (/layer|rootfs/.test(mediaType)) return 'layer';
  return 'blob';
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A line per check: what it covered, or why it could not run. */
function summarize(input: {
  manifest: BundleManifest | undefined;
  volumes: BundleVolume[];
  layout: PartsLayout | undefined;
  walked: WalkOutcome | undefined;
  structure: StructureOutcome | undefined;
  sumsChecked: number;
  faults: FaultList;
  totalBytes: number;
}): IntegrityCheck[] {
  const { manifest, volumes, layout, walked, structure, faults } = input;
  const line = (id: IntegrityCheck['id'], okSummary: string): IntegrityCheck => {
    const n = faults.of(id).length;
    return { id, ok: n === 0, summary: n === 0 ? okSummary : `${n} fault${n === 1 ? '' : 's'}` };
  };
  const skipped = (id: IntegrityCheck['id'], why: string): IntegrityCheck => {
    const n = faults.of(id).length;
    return { id, ok: false, skipped: true, summary: `${n > 0 ? `${n} fault${n === 1 ? '' : 's'}; ` : ''}not checked: ${why}` };
  };
  const checks: IntegrityCheck[] = [];
  checks.push(
    manifest
      ? line('bundle-json', `bundle ${manifest.id}: ${manifest.images.length} image(s), ${manifest.blobs.length} blobs${volumes.length > 1 ? `; the same on all ${volumes.length} volumes` : ''}`)
      : { id: 'bundle-json', ok: false, summary: `${faults.of('bundle-json').length} fault(s): no valid bundle.json` },
  );
  checks.push(line('sha256sums', `${input.sumsChecked} file(s) listed${volumes.length > 1 ? ` across ${volumes.length} volumes` : ''}, all match`));
  if (!manifest || !layout) {
    for (const id of ['parts', 'blobs', 'structure'] as const) checks.push(skipped(id, 'there is no valid bundle.json'));
    return checks;
  }
  const data = manifest.archive.parts.length;
  const parity = manifest.archive.parity?.parts.length ?? 0;
  checks.push(
    line(
      'parts',
      `${data} data part${data === 1 ? '' : 's'}${parity > 0 ? ` + ${parity} parity part${parity === 1 ? '' : 's'}` : ''}, ${formatBytes(input.totalBytes)}: each present with its recorded size and sha256`,
    ),
  );
  if (!walked) {
    const why = 'a data part is missing or has the wrong size, so the archive cannot be read through';
    checks.push(skipped('blobs', why), skipped('structure', why));
    return checks;
  }
  const blobBytes = manifest.blobs.reduce((n, b) => n + b.size, 0);
  const omitted = manifest.delta?.omitted ?? [];
  const relies = omitted.length > 0 ? `; relies on ${omitted.length} blob${omitted.length === 1 ? '' : 's'} (${formatBytes(omitted.reduce((n, o) => n + o.size, 0))}) held offline` : '';
  checks.push(walked.complete ? line('blobs', `${walked.blobsChecked} blobs, ${formatBytes(blobBytes)}${(manifest.files ?? []).length > 0 ? ` and ${manifest.files.length} file(s)` : ''}: sizes and sha256 match bundle.json${relies}`) : { ...line('blobs', ''), ok: false, summary: `${walked.blobsChecked} of ${manifest.blobs.length} blobs reached (the archive is broken)${faults.of('blobs').length > 0 ? `; ${faults.of('blobs').length} fault(s)` : ''}` });
  checks.push(line('structure', `oci-layout, index.json (${manifest.images.length} image(s)), manifest.json, ${structure?.documents ?? 0} manifests and indexes: consistent`));
  return checks;
}
