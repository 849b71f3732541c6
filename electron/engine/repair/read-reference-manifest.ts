import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BundleManifestSchema, type BundleManifest } from '../../../shared/bundle-manifest.js';
import { checkManifestConsistency } from '../bundle/check-manifest-consistency.js';
import { MAX_BUNDLE_JSON_BYTES } from '../bundle/inspect-bundle.js';
import { FerryError } from '../errors/ferry-error.js';
import { BUNDLE_FILE } from '../bundle/output-folder.js';
import { parseStrictJson } from '../util/parse-strict-json.js';
import { readRegularFile } from '../util/read-regular-file.js';

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
 * split). `bundle.json` records every part's size and sha256, so it is the reference: it is read as
 * every command reads it (a regular file, never a link, FIFO or device, of bounded size; strict JSON;
 * the schema; consistent in itself, so no number in it is out of bounds), and when it is missing,
 * unreadable, not a valid manifest or contradicts itself the error says so plainly (code `damaged`),
 * since no part can be proven without it.
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
  const copyAgain = 'copy bundle.json from another volume of this bundle or from its sender';
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(path, { maxBytes: MAX_BUNDLE_JSON_BYTES, what: path });
  } catch (error) {
    if (error instanceof FerryError && error.code === 'not-found') {
      throw new FerryError('bad-bundle', `${dir} holds no ${BUNDLE_FILE}; is it a Ferry bundle folder? Without bundle.json no part can be checked or rebuilt.`, { subject: path, cause: error });
    }
    const why = error instanceof FerryError ? error.message.replace(/\.$/, '') : `${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
    throw new FerryError('damaged', `${why}; nothing was changed: ${copyAgain}.`, { subject: path, cause: error });
  }
  const damaged = (why: string): FerryError =>
    new FerryError('damaged', `${path} is damaged (${why}). It records every part's sha256, so nothing can be checked or rebuilt without it: ${copyAgain}.`, { subject: path });
  let json: unknown;
  try {
    json = parseStrictJson(bytes);
  } catch (error) {
    const why = (error as Error).message;
    throw damaged(why.startsWith('it is not valid JSON') ? 'not valid JSON' : `not a manifest Ferry reads: ${why}`);
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
  // every number bounded and every record agreeing (parity.shardSize = the largest part, sizes adding up…)
  const problems = checkManifestConsistency(manifest);
  if (problems.length > 0) {
    throw damaged(`it contradicts itself: ${problems.slice(0, 5).join(' ')}${problems.length > 5 ? ` … and ${problems.length - 5} more` : ''}`);
  }
  return { dir, path, manifest, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}
