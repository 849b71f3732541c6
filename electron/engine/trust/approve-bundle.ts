import type { SignatureCheck } from '../../../shared/verify-report.js';
import { FerryError } from '../errors/ferry-error.js';
import { checkSignatureFiles } from './check-signature-files.js';
import { shortKeyId } from './key-id.js';
import { loadSigningKey } from './key-files.js';
import { readBundleForSigning, signBundleJson, type WrittenSignature } from './sign-bundle.js';

/** What an approval wrote and what it countersigned. */
export interface ApprovalResult extends WrittenSignature {
  /** Key ids of the valid preparer signatures the approval countersigns. */
  preparers: string[];
  /** Every signature found before approving, as checked (invalid ones are worth a warning). */
  signatures: SignatureCheck[];
}

/**
 * Adds an approver signature (the second person of the two-person rule) to the bundle in `dir`.
 * Refuses a bundle with no valid preparer signature for this exact `bundle.json` (an approval
 * countersigns what a preparer signed; approving an unsigned or altered bundle would vouch for
 * nobody's work), and refuses a key that signed the bundle as its preparer.
 */
export async function approveBundle(dir: string, keyFile: string): Promise<ApprovalResult> {
  const key = await loadSigningKey(keyFile);
  const bundle = await readBundleForSigning(dir);
  const signatures = await checkSignatureFiles(bundle.dir, bundle.bytes);
  const preparers = [...new Set(signatures.filter((s) => s.valid && s.role === 'preparer').map((s) => s.keyId))];
  if (preparers.length === 0) {
    const invalid = signatures.filter((s) => !s.valid && s.role === 'preparer').length;
    throw new FerryError(
      'untrusted',
      `Bundle ${bundle.dir} has no valid preparer signature${invalid > 0 ? ` (${invalid} preparer signature(s) do not verify for this bundle.json)` : ''}; the preparer signs first (ferry bundle --sign-key), then an approver countersigns.`,
      { subject: bundle.dir },
    );
  }
  if (preparers.includes(key.keyId)) {
    throw new FerryError(
      'bad-usage',
      `The preparer cannot approve their own bundle: key ${shortKeyId(key.keyId)}… (${key.file}) signed ${bundle.dir} as its preparer; a second person must approve with their own key.`,
      { subject: key.file },
    );
  }
  const written = await signBundleJson(bundle.dir, key, 'approver', bundle.bytes, bundle.id);
  return { ...written, preparers, signatures };
}
