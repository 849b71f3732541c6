import { realpath } from 'node:fs/promises';
import type { JobControls } from '../bundle/create-bundle.js';
import { FerryError } from '../errors/ferry-error.js';
import { shortKeyId } from './key-id.js';
import { loadSigningKey } from './key-files.js';
import { makeSignatureDocument, NOTHING_SIGNED, readBundleForSigning, verifyBundleForSigning, writeSignatureDocument, type BundleForSigning } from './sign-bundle.js';
import { assertSignaturesFolderUsable } from './signatures-folder.js';

/** A preparer signature as written to every folder given. */
export interface SignedVolumes {
  keyId: string;
  bundleId: string;
  /** Every folder signed, and the file written there, in the order given. */
  volumes: { dir: string; file: string }[];
}

/**
 * Signs as preparer (what `ferry sign` does, with the same code) the bundle on every folder given: the bundle folder
 * and the copies of it written to media, or every volume of a set. Each must hold the same `bundle.json` byte for
 * byte (else nothing is written); together they are verified whole as `ferry verify` does; then one signature
 * document goes to each (temporary name, flushed, renamed). A folder that cannot be written is named, the others keep
 * theirs.
 */
export async function signVolumes(dirs: string[], keyFile: string, controls: JobControls = {}): Promise<SignedVolumes> {
  if (dirs.length === 0) throw new FerryError('bad-usage', 'No bundle folder given to sign.');
  const key = await loadSigningKey(keyFile);
  const volumes = await sameBundleVolumes(dirs);
  for (const volume of volumes) await assertSignaturesFolderUsable(volume.dir, NOTHING_SIGNED);
  const verified = await verifyBundleForSigning(volumes, controls);
  const doc = makeSignatureDocument(key, 'preparer', verified.manifest.id, verified.bundleJson);
  const written: { dir: string; file: string }[] = [];
  const failed: string[] = [];
  for (const volume of volumes) {
    try {
      written.push({ dir: volume.dir, file: (await writeSignatureDocument(volume.dir, doc)).file });
    } catch (error) {
      failed.push(`${volume.dir}: ${(error as Error).message}`);
    }
  }
  if (failed.length > 0) {
    const got = written.length > 0 ? `The signature was written to ${written.map((w) => w.dir).join(', ')}, but not to` : 'The signature was written to no folder:';
    throw new FerryError('io', `${got} ${failed.join(' ')} Make it writable and sign again.`, { subject: volumes.find((v) => !written.some((w) => w.dir === v.dir))?.dir ?? volumes[0]!.dir });
  }
  return { keyId: key.keyId, bundleId: verified.manifest.id, volumes: written };
}

/** Every folder's `bundle.json` (a folder given twice read once), checked to be one bundle byte for byte. */
async function sameBundleVolumes(dirs: string[]): Promise<BundleForSigning[]> {
  const volumes: BundleForSigning[] = [];
  const seen = new Set<string>();
  for (const target of dirs) {
    const bundle = await readBundleForSigning(target);
    const real = await realpath(bundle.dir).catch(() => bundle.dir);
    if (seen.has(real)) continue;
    seen.add(real);
    const first = volumes[0];
    if (first && (first.id !== bundle.id || first.sha256 !== bundle.sha256)) {
      throw new FerryError(
        'bad-bundle',
        `${bundle.dir} holds ${first.id !== bundle.id ? `another bundle (${bundle.id})` : `a different bundle.json (sha256 ${shortKeyId(bundle.sha256)}…)`}, not the bundle.json of ${first.dir}; ${NOTHING_SIGNED}.`,
        { subject: bundle.dir },
      );
    }
    volumes.push(bundle);
  }
  return volumes;
}
