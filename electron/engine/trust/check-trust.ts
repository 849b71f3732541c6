import type { SignatureCheck, TrustReport } from '../../../shared/verify-report.js';
import { FerryError } from '../errors/ferry-error.js';
import { checkVolumeSignatures } from './check-volume-signatures.js';
import { shortKeyId } from './key-id.js';
import { loadPublicKey } from './key-files.js';

/** What to check a bundle's signatures against. */
export interface CheckTrustOptions {
  /** The bundle folder (or volume) whose `signatures/` is read. */
  dir?: string;
  /** Instead of `dir`: every volume of a multi-volume set; the union of their `signatures/` is checked. */
  dirs?: string[];
  /** The exact bytes of `bundle.json` as read for verification: what every signature must bind. */
  bundleJson: Buffer;
  /** Public key files (`.pub`) whose signatures are trusted; none: signatures are listed and checked, nobody is trusted. */
  trustedKeys?: string[];
  /** Also require an approval: a valid approver signature by a trusted key that prepared nothing. Needs `trustedKeys`. */
  requireApproval?: boolean;
}

/**
 * Checks a bundle's signatures: every file in `signatures/` is checked and listed (of every
 * volume given, their union: see `checkVolumeSignatures`; a disagreement is a warning). The result is
 * not ok when any signature does not verify for this `bundle.json` (always: it means the bundle or
 * the signature was changed after signing); with trusted keys, when no valid preparer signature is
 * by a trusted key; with `requireApproval`, when no valid approver signature is by a trusted key
 * other than every valid preparer signature's key (the two-person rule).
 * A trusted key file that cannot be read throws FerryError('bad-key').
 */
export async function checkTrust(options: CheckTrustOptions): Promise<TrustReport> {
  const trustedKeyFiles = options.trustedKeys ?? [];
  const requireApproval = options.requireApproval ?? false;
  if (requireApproval && trustedKeyFiles.length === 0) {
    throw new FerryError('bad-usage', 'Requiring an approval needs the trusted public keys (--trust KEY.pub): an approval counts only when a trusted key made it.');
  }
  const keys = await Promise.all(trustedKeyFiles.map(loadPublicKey));
  const trusted = new Map<string, string>();
  for (const k of keys) if (!trusted.has(k.keyId)) trusted.set(k.keyId, k.file);

  const dirs = options.dirs ?? (options.dir === undefined ? [] : [options.dir]);
  if (dirs.length === 0) throw new FerryError('bad-usage', 'No bundle folder given whose signatures to check.');
  const { signatures, warnings } = await checkVolumeSignatures(dirs, options.bundleJson, trusted);
  // one folder: the report reads as before (no volume lists)
  if (dirs.length === 1) for (const s of signatures) delete s.volumes;
  const problems = signatures.filter((s) => !s.valid).map((s) => `${s.file}: ${s.problem ?? 'It is not valid.'}`);

  if (trusted.size > 0) {
    const preparers = signatures.filter((s) => s.valid && s.role === 'preparer');
    if (!preparers.some((s) => s.trusted)) problems.push(noTrustedPreparer(signatures, preparers, trusted));
    if (requireApproval) {
      const preparerIds = new Set(preparers.map((s) => s.keyId));
      const approvals = signatures.filter((s) => s.valid && s.role === 'approver' && s.trusted);
      if (!approvals.some((s) => !preparerIds.has(s.keyId))) problems.push(noApproval(signatures, approvals));
    }
  }
  return {
    ok: problems.length === 0,
    signatures,
    trustedKeys: keys.map((k) => ({ file: k.file, keyId: k.keyId })),
    requireApproval,
    problems,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

function noTrustedPreparer(all: SignatureCheck[], preparers: SignatureCheck[], trusted: Map<string, string>): string {
  const trustedList = [...trusted.entries()].map(([id, file]) => `${shortKeyId(id)} (${file})`).join(', ');
  if (all.length === 0) return `The bundle is not signed (it has no signatures/ folder or it is empty); a preparer signature by a trusted key is required (trusted: ${trustedList}).`;
  if (preparers.length === 0) return `No valid preparer signature: a preparer signature by a trusted key is required (trusted: ${trustedList}).`;
  return `No preparer signature is by a trusted key: signed by ${ids(preparers)}, trusted: ${trustedList}.`;
}

function noApproval(all: SignatureCheck[], trustedApprovals: SignatureCheck[]): string {
  if (trustedApprovals.length > 0) {
    return `The only approvals by a trusted key are by a preparer's own key (${ids(trustedApprovals)}); the two-person rule needs an approval by a different trusted key.`;
  }
  const others = all.filter((s) => s.valid && s.role === 'approver');
  if (others.length > 0) return `No approval is by a trusted key: approved by ${ids(others)}; an approval by a trusted key other than the preparer's is required.`;
  return 'The bundle is not approved: an approval by a trusted key other than the preparer\'s is required.';
}

function ids(checks: SignatureCheck[]): string {
  return [...new Set(checks.map((s) => `${shortKeyId(s.keyId)}…`))].join(', ');
}
