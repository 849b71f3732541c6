import type { SignatureCheck } from '../../shared/verify-report.js';

/** Whether a signature's key is trusted: yes, no, or not known (no trusted keys were given). */
export type TrustState = 'trusted' | 'untrusted' | 'unknown';

/** A signature's trust as the checks that read it know it: against trusted keys when some were given, else unknown. */
export function trustStateOf(check: SignatureCheck, trustChecked: boolean): TrustState {
  if (!trustChecked) return 'unknown';
  return check.trusted ? 'trusted' : 'untrusted';
}

/** A key id as the app shows it: its first 16 hex digits. */
export function shortKey(keyId: string): string {
  return keyId ? keyId.slice(0, 16) : '?';
}

/** The signer's role in words. */
function roleWords(check: SignatureCheck): string {
  return check.role === 'preparer' ? 'Preparer' : check.role === 'approver' ? 'Approver' : 'Unreadable signature';
}

/**
 * The one wording of a checked signature, used wherever the app shows one (Review's signatures panel, Verify verdict and
 * Approve box): `Preparer valid, key 0123456789abcdef, trusted (/keys/alice.pub)`.
 */
export function signatureWords(check: SignatureCheck, trustChecked: boolean): string {
  const trust = trustStateOf(check, trustChecked);
  const trustWords = trust === 'trusted' ? `trusted (${check.trustedKey ?? 'a trusted key'})` : trust === 'untrusted' ? 'not a trusted key' : 'trust not checked (no trusted keys given)';
  return `${roleWords(check)} ${check.valid ? 'valid' : 'NOT valid'}, key ${shortKey(check.keyId)}, ${trustWords}`;
}

/**
 * One signer in a one-line verdict (Import's), with the same trust words: "prepared by 0123456789abcdef (trusted)",
 * "approved by … (not a trusted key)", "(trust not checked)" without trusted keys, "(NOT valid)".
 */
export function signerWords(check: SignatureCheck, trustChecked: boolean): string {
  const who = check.role === 'preparer' ? 'prepared by' : check.role === 'approver' ? 'approved by' : 'unreadable signature by';
  const trust = trustStateOf(check, trustChecked);
  const standing = !check.valid ? 'NOT valid' : trust === 'trusted' ? 'trusted' : trust === 'untrusted' ? 'not a trusted key' : 'trust not checked';
  return `${who} ${shortKey(check.keyId)} (${standing})`;
}
