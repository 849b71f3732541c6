import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import type { BundleManifest, DeltaBase } from '../../../shared/bundle-manifest.js';
import { escapeControl } from '../../../shared/format.js';
import { FerryError } from '../errors/ferry-error.js';
import { checkInventorySignature } from '../inventory/inventory-signature.js';
import { readInventory } from '../inventory/read-inventory.js';
import { parseManifest } from '../oci/parse-manifest.js';
import { checkTrust } from '../trust/check-trust.js';
import { readRegularFile } from '../util/read-regular-file.js';
import { BundleArchive } from './bundle-archive.js';
import { inspectBundle, isBundlePath, MAX_BUNDLE_JSON_BYTES } from './inspect-bundle.js';

/** One blob the offline side holds, and the repositories that hold it there. */
export interface HeldBlob {
  size: number;
  /**
   * Repositories holding it: as an inventory names them (the offline names), or, for an old bundle, the source
   * repository path of its images that need the blob (the path `ferry import` maps under its PREFIX).
   */
  repositories: Set<string>;
  /** The `--have` it was learnt from (the first that named it). */
  from: string;
}

/** What the offline side holds, from every `--have` given. */
export interface OfflineHoldings {
  /** What each `--have` is, in the order given (a file given twice counts once). */
  bases: { path: string; base: DeltaBase; blobs: number }[];
  blobs: Map<string, HeldBlob>;
  /** Not failures: what the caller should tell the user (a size that disagrees, an archive that could not be read). */
  warnings: string[];
}

/** How {@link readHoldings} reads. */
export interface ReadHoldingsOptions {
  /**
   * Public key files (`.pub`): an inventory must then carry a valid signature by one, and an old bundle a valid preparer
   * signature by one; otherwise it is refused (`untrusted`) before any network work.
   */
  trustedKeys?: string[];
  signal?: AbortSignal;
}

/**
 * Reads what the offline side holds from each `--have`: an inventory file (`ferry inventory`, read as the hostile input
 * it is) or an old bundle folder (its `bundle.json`, checked; its blobs and its own `delta.omitted` count as held; its
 * manifests are read from the archive to learn which repository needs which blob). With `trustedKeys`, each must be
 * signed by one of them. Throws `bad-usage` for a path that is neither, `bad-bundle` for an invalid one.
 */
export async function readHoldings(paths: readonly string[], options: ReadHoldingsOptions = {}): Promise<OfflineHoldings> {
  const holdings: OfflineHoldings = { bases: [], blobs: new Map(), warnings: [] };
  const trustedKeys = options.trustedKeys ?? [];
  const add = (digest: string, size: number, repository: string | undefined, from: string): void => {
    const held = holdings.blobs.get(digest);
    if (!held) {
      holdings.blobs.set(digest, { size, repositories: new Set(repository === undefined ? [] : [repository]), from });
    } else if (held.size !== size) {
      holdings.warnings.push(`${from} records blob ${digest} as ${size} bytes, ${held.from} as ${held.size}: the ${held.size}-byte record is kept.`);
    } else if (repository !== undefined) {
      held.repositories.add(repository);
    }
  };
  for (const path of paths) {
    options.signal?.throwIfAborted();
    const kind = await haveKind(path);
    if (kind === 'bundle') {
      const bundle = await readBundleHoldings(path, trustedKeys, options.signal);
      if (holdings.bases.some((b) => b.base.sha256 === bundle.base.sha256)) continue;
      holdings.warnings.push(...bundle.warnings);
      for (const [digest, { size, repositories }] of bundle.blobs) {
        if (repositories.size === 0) add(digest, size, undefined, path);
        for (const r of repositories) add(digest, size, r, path);
      }
      holdings.bases.push({ path, base: bundle.base, blobs: bundle.blobs.size });
    } else {
      const reading = await readInventory(path);
      if (holdings.bases.some((b) => b.base.sha256 === reading.sha256)) continue;
      // its detached signature (FILE.sig) by a trusted key, or it is refused
      const signer = trustedKeys.length > 0 ? (await checkInventorySignature(reading, trustedKeys)).keyId : undefined;
      const { inventory } = reading;
      for (const blob of inventory.blobs) {
        const names = blob.repositories.map((i) => inventory.repositories[i]!.name);
        if (names.length === 0) add(blob.digest, blob.size, undefined, path);
        for (const name of names) add(blob.digest, blob.size, name, path);
      }
      holdings.bases.push({
        path,
        base: { kind: 'inventory', sha256: reading.sha256, created: inventory.created, ...(signer ? { signer } : {}) },
        blobs: inventory.blobs.length,
      });
    }
  }
  return holdings;
}

/** A folder (or a file named bundle.json) is an old bundle; any other file an inventory. */
async function haveKind(path: string): Promise<'bundle' | 'inventory'> {
  const bundle = await isBundlePath(path);
  if (bundle === undefined) throw new FerryError('bad-usage', `${escapeControl(path)} (what the offline side holds) does not exist; give an inventory file or the folder of a bundle already carried across.`, { subject: path });
  return bundle ? 'bundle' : 'inventory';
}

/** An old bundle's holdings: every blob it carries or relies on, with the repositories whose images need it. */
async function readBundleHoldings(
  path: string,
  trustedKeys: readonly string[],
  signal: AbortSignal | undefined,
): Promise<{ base: DeltaBase; blobs: Map<string, { size: number; repositories: Set<string> }>; warnings: string[] }> {
  const inspection = await inspectBundle(path);
  const { manifest } = inspection;
  const dir = dirname(inspection.path);
  let signer: string | undefined;
  if (trustedKeys.length > 0) {
    const bytes = await readRegularFile(inspection.path, { maxBytes: MAX_BUNDLE_JSON_BYTES, what: inspection.path });
    if (createHash('sha256').update(bytes).digest('hex') !== inspection.bundleSha256) {
      throw new FerryError('untrusted', `${inspection.path} changed while it was read; give it again.`, { subject: inspection.path });
    }
    const trust = await checkTrust({ dir, bundleJson: bytes, trustedKeys: [...trustedKeys] });
    if (!trust.ok) {
      throw new FerryError('untrusted', `Bundle ${escapeControl(path)}, given for what the offline side holds, is not trusted: ${trust.problems.map((p) => escapeControl(p)).join(' ')}`, { subject: path });
    }
    signer = trust.signatures.find((s) => s.valid && s.trusted && s.role === 'preparer')?.keyId;
  }
  const blobs = new Map<string, { size: number; repositories: Set<string> }>();
  for (const b of manifest.blobs) blobs.set(b.digest, { size: b.size, repositories: new Set() });
  for (const o of manifest.delta?.omitted ?? []) blobs.set(o.digest, { size: o.size, repositories: new Set(o.repository === undefined ? [] : [o.repository]) });
  const warnings: string[] = [];
  try {
    await learnRepositories(dir, manifest, blobs, signal);
  } catch (error) {
    if (signal?.aborted) throw error;
    warnings.push(`The archive of ${path} could not be read to learn which repository holds each blob (${(error as Error).message}); its blobs still count as held, without a repository.`);
  }
  const base: DeltaBase = { kind: 'bundle', sha256: inspection.bundleSha256, bundleId: manifest.id, created: manifest.created, ...(signer ? { signer } : {}) };
  return { base, blobs, warnings };
}

/** Reads an old bundle's manifests (checked against their digests) and notes, for each blob, the repositories needing it. */
async function learnRepositories(dir: string, manifest: BundleManifest, blobs: Map<string, { size: number; repositories: Set<string> }>, signal: AbortSignal | undefined): Promise<void> {
  const archive = await BundleArchive.open([dir], { manifest, ...(signal ? { signal } : {}) });
  try {
    const read = async (digest: string, mediaType: string): Promise<ReturnType<typeof parseManifest> | undefined> => {
      if (!archive.has(digest)) return undefined;
      try {
        return parseManifest(await archive.readCheckedBlob(digest), mediaType, digest);
      } catch {
        return undefined;
      }
    };
    const note = async (digest: string, mediaType: string, repository: string): Promise<void> => {
      const doc = await read(digest, mediaType);
      if (doc?.kind !== 'manifest') return;
      for (const d of [doc.config, ...doc.layers]) blobs.get(d.digest)?.repositories.add(repository);
    };
    for (const image of manifest.images) {
      signal?.throwIfAborted();
      for (const m of image.manifests) await note(m.digest, m.mediaType, image.repository);
      for (const r of image.referrers ?? []) await note(r.digest, r.mediaType, image.repository);
    }
    for (const chart of manifest.charts ?? []) {
      const record = manifest.blobs.find((b) => b.digest === chart.digest);
      if (record) await note(chart.digest, record.mediaType, `charts/${chart.name}`);
    }
  } finally {
    await archive.close();
  }
}
