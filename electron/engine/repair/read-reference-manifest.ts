import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BundleManifestSchema, type BundleManifest } from '../../../shared/bundle-manifest.js';
import { FerryError } from '../errors/ferry-error.js';
import { BUNDLE_FILE } from '../bundle/output-folder.js';

/** A bundle's `bundle.json` as the reference for its parts: parsed, with its exact bytes and their sha256. */
export interface ReferenceManifest {
  dir: string;
  path: string;
  manifest: BundleManifest;
  bytes: Buffer;
  sha256: string;
}

/**
 * Reads the `bundle.json` of the bundle folder `dir` for a job that rewrites the folder (repair,
 * split). `bundle.json` records every part's size and sha256, so it is the reference: when it is
 * missing, unreadable or not a valid manifest the error says so plainly (code `damaged`), since no
 * part can be proven without it.
 */
export async function readReferenceManifest(target: string): Promise<ReferenceManifest> {
  const dir = resolve(target);
  try {
    if (!(await stat(dir)).isDirectory()) throw new FerryError('bad-usage', `${dir} is not a folder; name the bundle folder.`, { subject: dir });
  } catch (error) {
    if (error instanceof FerryError) throw error;
    throw new FerryError('not-found', `No bundle folder at ${dir}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}.`, { subject: dir });
  }
  const path = join(dir, BUNDLE_FILE);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FerryError(
      code === 'ENOENT' ? 'bad-bundle' : 'damaged',
      code === 'ENOENT'
        ? `${dir} holds no ${BUNDLE_FILE}; is it a Ferry bundle folder? Without bundle.json no part can be checked or rebuilt.`
        : `${path} cannot be read (${code ?? 'error'}); copy bundle.json from another volume of this bundle or from its sender.`,
      { subject: path, cause: error },
    );
  }
  const damaged = (why: string): FerryError =>
    new FerryError(
      'damaged',
      `${path} is damaged (${why}). It records every part's sha256, so nothing can be checked or rebuilt without it: copy bundle.json from another volume of this bundle or from its sender.`,
      { subject: path },
    );
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw damaged('not valid JSON');
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version > 1) {
    throw new FerryError('bad-bundle', `${path} uses bundle schema ${version}; this Ferry reads schema 1. Use a newer Ferry.`, { subject: path });
  }
  const parsed = BundleManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw damaged(`not a valid bundle manifest: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  const manifest = parsed.data;
  const parity = manifest.archive.parity;
  const largest = Math.max(...manifest.archive.parts.map((p) => p.size));
  const partsTotal = manifest.archive.parts.reduce((n, p) => n + p.size, 0);
  if (partsTotal !== manifest.archive.size) throw damaged(`its parts add up to ${partsTotal} bytes, not the archive's ${manifest.archive.size}`);
  if (parity && (parity.dataParts !== manifest.archive.parts.length || parity.shardSize !== largest || parity.parts.some((p) => p.size !== parity.shardSize))) {
    throw damaged('its parity record does not match its parts');
  }
  return { dir, path, manifest, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}
