import { createHash } from 'node:crypto';
import { lstat, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ArchivePart, BundleManifest } from '../../../shared/bundle-manifest.js';
import type { OnProgress } from '../../../shared/progress.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { inspectBundle, MAX_BUNDLE_JSON_BYTES, parseBundleManifest } from '../bundle/inspect-bundle.js';
import { BUNDLE_FILE, SUMS_FILE } from '../bundle/output-folder.js';
import { newRunId, PARTIAL_NAME } from '../bundle/partial-name.js';
import { formatSha256Sums } from '../bundle/sha256sums.js';
import { FerryError, isAbortError } from '../errors/ferry-error.js';
import { ProgressMeter } from '../progress/progress-meter.js';
import { readRegularFile } from '../util/read-regular-file.js';
import { copyFileSynced } from './copy-file.js';
import { BUNDLE_OWNED, README_FILE, SIGNATURES_DIR } from './media-files.js';
import { archiveFiles, assertPlanOk, planMedia, readmeBudget, type MediaPlan, type PlannedVolume } from './plan-media.js';
import { probeTargets } from './probe-target.js';
import { readBackFile } from './read-back.js';
import { VolumeFolder } from './volume-folder.js';
import { volumeReadme } from './volume-readme.js';

/** What to write where. */
export interface WriteMediaOptions {
  /** The bundle folder (bundle.json, its archive files, optional signatures/). */
  dir: string;
  /** The volumes' mount points (or folders on them), in the order the parts go. */
  targets: string[];
  /** Use at most this many bytes of each target (default: its free space). */
  capacity?: number;
  /** Replace a different bundle (or unknown bundle files) found on a target. */
  force?: boolean;
  /**
   * Called after every volume is written and before the read-back: a fault-injection point for
   * tests (flip a byte and the read-back must catch it). Never set in normal use.
   */
  onBeforeReadBack?: (volumes: { index: number; path: string; parts: string[] }[]) => void | Promise<void>;
}

/** One archive file as read back from its volume. */
export interface PartReadBack {
  name: string;
  ok: boolean;
  /** The sha256 read back (absent when the file could not be read). */
  sha256?: string;
  /** Read from the device, bypassing the page cache; false means the check may have read cached data. */
  direct: boolean;
  /** Why it is not ok. */
  problem?: string;
}

/** What happened on one volume. */
export interface VolumeWriteResult {
  index: number;
  path: string;
  /** Archive files on this volume. */
  parts: string[];
  /** Bytes of archive files written in this run. */
  bytesWritten: number;
  /** Archive files already there, intact, from an earlier run of the same bundle (not written again). */
  reused: string[];
  readBack: PartReadBack[];
  /** Every file read back intact and SHA256SUMS written: the volume is complete. */
  ok: boolean;
}

/** What `writeToMedia` reports. */
export interface WriteMediaResult {
  /** Every volume is complete and read back intact. */
  ok: boolean;
  bundleId: string;
  plan: MediaPlan;
  volumes: VolumeWriteResult[];
  /** Every read-back bypassed the page cache. */
  readBackDirect: boolean;
  /** Bytes of archive files written in this run. */
  bytesWritten: number;
  seconds: number;
}

interface Settings {
  dir: string;
  targets: string[];
  capacity: number | undefined;
  force: boolean;
}

/** Applies defaults and checks the options before anything is read or written. */
function settingsFrom(options: WriteMediaOptions): Settings {
  if (options.targets.length === 0) throw new FerryError('bad-usage', 'No target volumes given: name at least one mounted volume with --to.');
  if (options.capacity !== undefined && (!Number.isSafeInteger(options.capacity) || options.capacity < 1024 * 1024)) {
    throw new FerryError('bad-usage', `Capacity ${String(options.capacity)} is too small; give at least 1 MiB per volume.`);
  }
  const dir = resolve(options.dir);
  const targets = options.targets.map((t) => resolve(t));
  const same = targets.find((t) => t === dir);
  if (same) throw new FerryError('bad-usage', `Target ${same} is the bundle folder itself; name the volumes to copy it to.`, { subject: same });
  return { dir, targets, capacity: options.capacity, force: options.force ?? false };
}

/** The bundle as found in its folder: manifest, exact bundle.json bytes, signature files. */
interface SourceBundle {
  manifest: BundleManifest;
  json: Buffer;
  jsonSha256: string;
  signatures: { dir: string; sizes: number[] } | undefined;
}

/**
 * Writes a bundle across one or more volumes. Each volume root gets its archive files, the
 * bundle's exact `bundle.json`, a copy of `signatures/`, a `README.txt`, and last a `SHA256SUMS`
 * over bundle.json and the archive files on that volume (so `sha256sum -c SHA256SUMS` passes per
 * volume). The plan is checked before anything is written (space, FAT32's 4 GiB − 1 limit, another
 * bundle on a target). Every file is written under a temporary name, flushed, renamed, and the
 * folder flushed. Phase `write-media` copies; phase `read-back` then reads every archive file back
 * (bypassing the page cache where possible) against its sha256 in bundle.json, and only volumes
 * that pass get their `SHA256SUMS`: an interrupted, cancelled or failed volume never looks complete.
 * The same bundle already on a target is reused: intact parts are kept, the rest rewritten.
 */
export async function writeToMedia(options: WriteMediaOptions, controls: JobControls = {}): Promise<WriteMediaResult> {
  const started = performance.now();
  const settings = settingsFrom(options);
  const { onProgress, signal } = controls;
  const { source, plan } = await planFor(settings);
  const { manifest } = source;
  assertPlanOk(plan);
  signal?.throwIfAborted();

  const run = newRunId();
  const folders = plan.volumes.map((v) => new VolumeFolder(v.path, run));
  const results: VolumeWriteResult[] = plan.volumes.map((v) => ({
    index: v.index,
    path: v.path,
    parts: v.parts.map((p) => p.name),
    bytesWritten: 0,
    reused: [],
    readBack: [],
    ok: false,
  }));
  try {
    // 1. make room and make sure no target looks complete while it is being written
    for (const v of plan.volumes) await prepareVolume(v);

    // 2. write-media: bundle.json first (it claims the volume for this bundle), then parts, signatures, README
    const total = plan.volumes.reduce((n, v) => n + v.parts.reduce((m, p) => m + p.size, 0), 0);
    const partCount = plan.volumes.reduce((n, v) => n + v.parts.length, 0);
    onProgress?.({ kind: 'phase-start', phase: 'write-media', totalBytes: total, totalItems: partCount });
    const meter = new ProgressMeter('write-media', total, onProgress);
    for (const [i, v] of plan.volumes.entries()) {
      const folder = folders[i]!;
      const result = results[i]!;
      await folder.writeFile(BUNDLE_FILE, source.json);
      for (const part of v.parts) {
        signal?.throwIfAborted();
        await writePart(part, v, folder, result, { sourceDir: settings.dir, signal, onProgress, meter });
      }
      if (source.signatures) await folder.copyFolder(SIGNATURES_DIR, source.signatures.dir);
      const readme = volumeReadme(manifest, plan.volumes, v.index);
      if (Buffer.byteLength(readme) > readmeBudget(archiveFiles(manifest).length)) throw new FerryError('internal', 'README.txt outgrew the space planned for it.');
      await folder.writeFile(README_FILE, readme);
    }
    meter.finish();
    onProgress?.({ kind: 'phase-end', phase: 'write-media' });

    await options.onBeforeReadBack?.(plan.volumes.map((v) => ({ index: v.index, path: v.path, parts: v.parts.map((p) => p.name) })));

    // 3. read-back: every archive file from the device against bundle.json; bundle.json byte for byte
    signal?.throwIfAborted();
    onProgress?.({ kind: 'phase-start', phase: 'read-back', totalBytes: total, totalItems: partCount });
    const readMeter = new ProgressMeter('read-back', total, onProgress);
    for (const [i, v] of plan.volumes.entries()) {
      const folder = folders[i]!;
      const result = results[i]!;
      const json = await readBackFile(folder.finalPath(BUNDLE_FILE), { signal }).catch(() => undefined);
      const jsonOk = json?.sha256 === source.jsonSha256;
      for (const part of v.parts) {
        onProgress?.({ kind: 'item-start', phase: 'read-back', item: part.name, totalBytes: part.size });
        const check = await checkPart(folder.finalPath(part.name), part, signal, (n) => readMeter.add(n));
        result.readBack.push(check);
        onProgress?.({ kind: 'item-end', phase: 'read-back', item: part.name, bytes: part.size, detail: check.ok ? `ok (volume ${v.index})` : check.problem! });
      }
      if (!jsonOk) result.readBack.push({ name: BUNDLE_FILE, ok: false, direct: json?.direct ?? false, problem: `${BUNDLE_FILE} on volume ${v.index} did not read back as written.` });
      result.ok = result.readBack.every((r) => r.ok);
      // 4. SHA256SUMS last, and only on a volume that read back intact: only now does it look complete
      if (result.ok) {
        await folder.writeFile(SUMS_FILE, volumeSums(source.jsonSha256, v.parts));
      } else {
        // a damaged copy must not pass for a good one: remove it (writing again retries just these)
        for (const bad of result.readBack.filter((r) => !r.ok && r.name !== BUNDLE_FILE)) await rm(folder.finalPath(bad.name), { force: true });
      }
    }
    readMeter.finish();
    onProgress?.({ kind: 'phase-end', phase: 'read-back' });
  } catch (error) {
    await Promise.allSettled(folders.map((f) => f.discard()));
    throw translateWriteError(error);
  }

  const readBacks = results.flatMap((r) => r.readBack);
  return {
    ok: results.every((r) => r.ok),
    bundleId: manifest.id,
    plan,
    volumes: results,
    readBackDirect: readBacks.length > 0 && readBacks.every((r) => r.direct),
    bytesWritten: results.reduce((n, r) => n + r.bytesWritten, 0),
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * The plan `writeToMedia` would follow for these options, without writing anything: which parts
 * go on which target, or the problems that would stop it (`ok: false`). Notes include targets
 * that look like unmounted sticks.
 */
export async function planWrite(options: WriteMediaOptions): Promise<MediaPlan> {
  return (await planFor(settingsFrom(options))).plan;
}

async function planFor(settings: Settings): Promise<{ source: SourceBundle; plan: MediaPlan }> {
  const source = await readSource(settings.dir);
  // the bundle folder itself, under another name (a symlink, a bind mount), would lose parts to another volume
  const home = await stat(settings.dir);
  for (const t of settings.targets) {
    const s = await stat(t).catch(() => undefined);
    if (s && s.dev === home.dev && s.ino === home.ino) throw new FerryError('bad-usage', `Target ${t} is the bundle folder itself; name the volumes to copy it to.`, { subject: t });
  }
  const probed = await probeTargets(settings.targets);
  const plan = planMedia(source.manifest, probed, {
    force: settings.force,
    bundleJsonBytes: source.json.length,
    signatureBytes: source.signatures?.sizes ?? [],
    ...(settings.capacity !== undefined ? { capacity: settings.capacity } : {}),
  });
  plan.notes.push(...probed.flatMap((t) => t.warnings));
  return { source, plan };
}

/**
 * Reads the source bundle: its manifest, the exact bytes of bundle.json (read once, as a regular file of bounded
 * size, never through a link or from a FIFO; strict JSON, the schema, consistent in itself), and that every
 * archive file is there, a regular file (not a link) at its size.
 */
async function readSource(dir: string): Promise<SourceBundle> {
  const { path } = await inspectBundle(dir);
  const json = await readRegularFile(path, { maxBytes: MAX_BUNDLE_JSON_BYTES, what: path });
  // the bytes judged are the bytes written to every volume
  const manifest = parseBundleManifest(json, path);
  for (const part of archiveFiles(manifest)) {
    const s = await lstat(join(dir, part.name)).catch(() => undefined);
    if (!s?.isFile()) throw new FerryError('bad-bundle', `${dir} lacks ${part.name}; is it a complete bundle folder?`, { subject: join(dir, part.name) });
    if (s.size !== part.size) {
      throw new FerryError('damaged', `${join(dir, part.name)} is ${s.size} bytes but bundle.json says ${part.size}; run ferry verify on the bundle.`, {
        subject: join(dir, part.name),
      });
    }
  }
  let signatures: SourceBundle['signatures'];
  const sigDir = join(dir, SIGNATURES_DIR);
  if ((await lstat(sigDir).catch(() => undefined))?.isDirectory()) signatures = { dir: sigDir, sizes: await fileSizes(sigDir) };
  return { manifest, json, jsonSha256: createHash('sha256').update(json).digest('hex'), signatures };
}

async function fileSizes(dir: string): Promise<number[]> {
  const sizes: number[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sizes.push(0, ...(await fileSizes(path)));
    else sizes.push((await stat(path)).size);
  }
  return sizes;
}

/**
 * Before the first byte: drop SHA256SUMS (the volume stops looking complete), leftovers of
 * interrupted runs, archive files of this bundle that now belong on another volume, and, when
 * replacing another bundle (--force), all of its files.
 */
async function prepareVolume(v: PlannedVolume): Promise<void> {
  const folder = new VolumeFolder(v.path, 'prepare');
  await rm(folder.finalPath(SUMS_FILE), { force: true });
  await folder.sync();
  const assigned = new Set(v.parts.map((p) => p.name));
  for (const name of await readdir(v.path)) {
    const remove = PARTIAL_NAME.test(name)
      ? true
      : v.existing === 'same-bundle'
        ? // this bundle: parts assigned here stay for the resume check; bundle.json, README.txt and signatures/ are replaced by rename
          /^bundle\.tar/.test(name) && BUNDLE_OWNED.test(name) && !assigned.has(name)
        : // another bundle or stray bundle files (the plan let them through only with --force)
          BUNDLE_OWNED.test(name) || name === README_FILE;
    if (remove) await rm(folder.finalPath(name), { recursive: true, force: true });
  }
  await folder.sync();
}

interface PartContext {
  sourceDir: string;
  signal: AbortSignal | undefined;
  onProgress: OnProgress | undefined;
  meter: ProgressMeter;
}

/** Writes one archive file to its volume, or keeps the copy already there when it is intact. */
async function writePart(part: ArchivePart, v: PlannedVolume, folder: VolumeFolder, result: VolumeWriteResult, ctx: PartContext): Promise<void> {
  const { signal, onProgress, meter } = ctx;
  const final = folder.finalPath(part.name);
  const existing = await lstat(final).catch(() => undefined);
  if (existing) {
    // only a regular file already there is read back (a link or a FIFO left on the volume is replaced, never read)
    const intact = existing.isFile() && existing.size === part.size && (await readBackFile(final, { signal }).catch(() => undefined))?.sha256 === part.sha256;
    if (intact) {
      result.reused.push(part.name);
      meter.add(part.size);
      onProgress?.({ kind: 'item-start', phase: 'write-media', item: part.name, totalBytes: part.size });
      onProgress?.({ kind: 'item-end', phase: 'write-media', item: part.name, bytes: 0, cached: true, detail: `volume ${v.index}: already there` });
      return;
    }
    await rm(final, { force: true }); // damaged or from an older plan: its room is needed for the new copy
  }
  const temp = folder.tempPath(part.name);
  onProgress?.({ kind: 'item-start', phase: 'write-media', item: part.name, totalBytes: part.size });
  const copied = await copyFileSynced(join(ctx.sourceDir, part.name), temp, { signal, onBytes: (n) => meter.add(n) });
  if (copied.sha256 !== part.sha256 || copied.bytes !== part.size) {
    throw new FerryError('damaged', `${join(ctx.sourceDir, part.name)} does not match bundle.json (sha256 ${copied.sha256}); the bundle is damaged: run ferry verify on it.`, {
      subject: join(ctx.sourceDir, part.name),
    });
  }
  await folder.promote(part.name);
  result.bytesWritten += part.size;
  onProgress?.({ kind: 'item-end', phase: 'write-media', item: part.name, bytes: part.size, detail: `volume ${v.index} (${v.path})` });
}

async function checkPart(path: string, part: ArchivePart, signal: AbortSignal | undefined, onBytes: (n: number) => void): Promise<PartReadBack> {
  try {
    const r = await readBackFile(path, { signal, onBytes });
    if (r.bytes !== part.size) return { name: part.name, ok: false, sha256: r.sha256, direct: r.direct, problem: `${part.name} read back ${r.bytes} bytes, not ${part.size}.` };
    if (r.sha256 !== part.sha256) {
      return { name: part.name, ok: false, sha256: r.sha256, direct: r.direct, problem: `${part.name} read back with sha256 ${r.sha256}, not ${part.sha256}: the volume did not keep what was written.` };
    }
    return { name: part.name, ok: true, sha256: r.sha256, direct: r.direct };
  } catch (error) {
    if (isAbortError(error)) throw error;
    const e = error as NodeJS.ErrnoException;
    return { name: part.name, ok: false, direct: false, problem: `${part.name} could not be read back (${e.code ?? e.message}).` };
  }
}

/** The volume's SHA256SUMS: bundle.json and the archive files on this volume only. */
function volumeSums(jsonSha256: string, parts: ArchivePart[]): string {
  return formatSha256Sums([{ sha256: jsonSha256, name: BUNDLE_FILE }, ...parts.map((p) => ({ sha256: p.sha256, name: p.name }))]);
}

function translateWriteError(error: unknown): unknown {
  if (error instanceof FerryError || isAbortError(error)) return error;
  const e = error as NodeJS.ErrnoException;
  const path = (e as { path?: string }).path;
  if (e.code === 'ENOSPC') return new FerryError('no-space', `A volume ran out of space while writing${path ? ` ${path}` : ''}; nothing there looks complete. Free some space or add a volume.`, { ...(path ? { subject: path } : {}), cause: error });
  if (e.code === 'EROFS' || e.code === 'EACCES' || e.code === 'EPERM') return new FerryError('media', `Cannot write${path ? ` ${path}` : ''} (${e.code}): is the volume read-only or locked?`, { ...(path ? { subject: path } : {}), cause: error });
  if (e.code === 'EIO') return new FerryError('media', `The device failed while writing${path ? ` ${path}` : ''} (EIO): the stick may be faulty or was pulled out.`, { ...(path ? { subject: path } : {}), cause: error });
  return error;
}
