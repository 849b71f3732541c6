import { realpath } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SignatureCheck } from '../../../shared/verify-report.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { FerryError } from '../errors/ferry-error.js';
import { checkVolumeSignatures } from './check-volume-signatures.js';
import { shortKeyId } from './key-id.js';
import { loadSigningKey } from './key-files.js';
import { makeSignatureDocument, NOTHING_SIGNED, readBundleForSigning, verifyBundleForSigning, writeSignatureDocument, type BundleForSigning, type WrittenSignature } from './sign-bundle.js';
import { assertSignaturesFolderUsable } from './signatures-folder.js';

/** One volume an approval was written to. */
export interface ApprovedVolume {
  /** The bundle folder (volume root), as an absolute path. */
  dir: string;
  /** The signature file written there. */
  file: string;
}

/** What an approval wrote and what it countersigned. */
export interface ApprovalResult extends WrittenSignature {
  /** Key ids of the valid preparer signatures the approval countersigns. */
  preparers: string[];
  /** Every signature found before approving, as checked (invalid ones are worth a warning); of every volume, together. */
  signatures: SignatureCheck[];
  /** Every volume the approval was written to, in the order given (`file` is the first one's). */
  volumes: ApprovedVolume[];
}

/**
 * Adds an approver signature (the second person of the two-person rule) to the bundle in `dir`,
 * or to every volume of a multi-volume set (`dir` a list: each must hold the same `bundle.json`
 * byte for byte, else nothing is written). Refuses a bundle with no valid preparer signature for
 * this exact `bundle.json` on any of the volumes (an approval countersigns what a preparer signed;
 * approving an unsigned or altered bundle would vouch for nobody's work), and refuses a key that
 * signed the bundle as its preparer. Approving vouches for the bundle, so it is then verified whole
 * as `ferry verify` does (every part and blob of the set, every signature already there): a damaged
 * bundle is refused and nothing is written. A `signatures` that is a link or not a folder is refused
 * by name on any volume before anything is written. The same signature document goes to every volume
 * (a fresh temporary name created without following links, flushed, renamed); a volume that cannot be
 * written does not stop the others, and the call then fails naming it and the volumes that did get the
 * approval (running it again completes the set).
 */
export async function approveBundle(dir: string | string[], keyFile: string, controls: JobControls = {}): Promise<ApprovalResult> {
  const given = typeof dir === 'string' ? [dir] : dir;
  if (given.length === 0) throw new FerryError('bad-usage', 'No bundle folder given: name the bundle folder, or every volume of a multi-volume set.');
  const key = await loadSigningKey(keyFile);
  const volumes = await readVolumes(given);
  const bundle = volumes[0]!;
  const dirs = volumes.map((v) => v.dir);
  for (const volume of dirs) await assertSignaturesFolderUsable(volume, NOTHING_SIGNED);
  const { signatures } = await checkVolumeSignatures(dirs, bundle.bytes);
  const where = dirs.join(', ');
  const preparers = [...new Set(signatures.filter((s) => s.valid && s.role === 'preparer').map((s) => s.keyId))];
  if (preparers.length === 0) {
    const invalid = signatures.filter((s) => !s.valid && s.role === 'preparer').length;
    throw new FerryError(
      'untrusted',
      `Bundle ${where} has no valid preparer signature${invalid > 0 ? ` (${invalid} preparer signature(s) do not verify for this bundle.json)` : ''}: an approval countersigns the preparer's signature, so the preparer signs first.`,
      { subject: bundle.dir, hint: 'sign-as-preparer' },
    );
  }
  if (preparers.includes(key.keyId)) {
    throw new FerryError(
      'bad-usage',
      `The preparer cannot approve their own bundle: key ${shortKeyId(key.keyId)}… (${key.file}) signed ${where} as its preparer; a second person must approve with their own key.`,
      { subject: key.file },
    );
  }
  // vouching: the whole set proven as ferry verify proves it, and the bundle.json verified is the one signed
  const verified = await verifyBundleForSigning(volumes, controls);
  if (dirs.length === 1) for (const s of signatures) delete s.volumes;
  // one document for every volume: identical copies, so a verifier reading several merges them
  const doc = makeSignatureDocument(key, 'approver', verified.manifest.id, verified.bundleJson);
  const written: WrittenSignature[] = [];
  const failed: { dir: string; error: FerryError }[] = [];
  for (const volume of volumes) {
    try {
      written.push(await writeSignatureDocument(volume.dir, doc));
    } catch (error) {
      failed.push({ dir: volume.dir, error: error instanceof FerryError ? error : new FerryError('io', `Cannot write the approval to ${volume.dir}: ${(error as Error).message}.`, { subject: volume.dir, cause: error }) });
    }
  }
  if (failed.length > 0) {
    const got = written.length > 0 ? `The approval was written to ${written.map((w) => volumeOf(w.file)).join(', ')}, but not to ${failed.map((f) => f.dir).join(', ')}` : `The approval was written to no volume`;
    throw new FerryError('io', `${got}: ${failed.map((f) => f.error.message).join(' ')} Make ${failed.length === 1 ? 'it' : 'them'} writable and approve again with every volume.`, {
      subject: failed[0]!.dir,
      cause: failed[0]!.error,
    });
  }
  return { ...written[0]!, preparers, signatures, volumes: written.map((w) => ({ dir: volumeOf(w.file), file: w.file })) };
}

/** The volume root a signature file was written into (`<dir>/signatures/<name>`). */
function volumeOf(file: string): string {
  return dirname(dirname(file));
}

/** Every volume's `bundle.json` (the same folder given twice read once), checked to be the same bundle byte for byte. */
async function readVolumes(given: string[]): Promise<BundleForSigning[]> {
  const volumes: BundleForSigning[] = [];
  const seen = new Set<string>();
  for (const target of given) {
    const bundle = await readBundleForSigning(target);
    const real = await realpath(bundle.dir).catch(() => bundle.dir);
    if (seen.has(real)) continue;
    seen.add(real);
    const first = volumes[0];
    if (first && first.id !== bundle.id) {
      throw new FerryError(
        'bad-bundle',
        `${bundle.dir} holds another bundle (${bundle.id}), not bundle ${first.id} of ${first.dir}; give only the volumes of one set. Nothing was approved.`,
        { subject: bundle.dir },
      );
    }
    if (first && first.sha256 !== bundle.sha256) {
      throw new FerryError(
        'bad-bundle',
        `${bundle.dir} holds a different bundle.json for bundle ${bundle.id} (sha256 ${shortKeyId(bundle.sha256)}…, ${first.dir} has ${shortKeyId(first.sha256)}…): the volumes are not one set, or one was altered. Nothing was approved.`,
        { subject: bundle.dir },
      );
    }
    volumes.push(bundle);
  }
  return volumes;
}
