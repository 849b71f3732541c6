import type { SignatureCheck } from '../../../shared/verify-report.js';
import { checkSignatureFolder } from './check-signature-files.js';
import { shortKeyId } from './key-id.js';

/** The signatures of every volume of a set, together. */
export interface VolumeSignatures {
  /** Each distinct signature file once (identical copies merged), with the volumes it was found on. */
  signatures: SignatureCheck[];
  /** Where the volumes disagree: a valid signature by a key present on some volumes only, one sentence each. */
  warnings: string[];
}

/**
 * Checks `signatures/` of every volume of a set (or of one folder) against the exact bytes of
 * `bundle.json` and takes their union: a signature file found on several volumes with the same
 * name and bytes is listed once, with every volume it is on; files that differ are listed apart
 * (so an altered copy on one volume is caught even when another volume's copy is fine). An
 * approval on one volume only still counts, but is warned about, since a reader given that
 * volume alone would miss it.
 */
export async function checkVolumeSignatures(dirs: string[], bundleJson: Buffer, trusted: ReadonlyMap<string, string> = new Map()): Promise<VolumeSignatures> {
  const byContent = new Map<string, SignatureCheck & { volumes: string[] }>();
  for (const dir of dirs) {
    for (const { check, sha256 } of await checkSignatureFolder(dir, bundleJson, trusted)) {
      const key = `${check.file}\0${sha256 ?? `unreadable\0${dir}`}`;
      const seen = byContent.get(key);
      if (seen) seen.volumes.push(dir);
      else byContent.set(key, { ...check, volumes: [dir] });
    }
  }
  // by file name, as one folder lists them; copies that differ keep the order of their volumes
  const signatures = [...byContent.values()].sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : 0));
  return { signatures, warnings: dirs.length > 1 ? disagreements(dirs, signatures) : [] };
}

/** A warning for every signer (role and key) whose valid signatures are not on every volume. */
function disagreements(dirs: string[], signatures: (SignatureCheck & { volumes: string[] })[]): string[] {
  const on = new Map<string, { role: SignatureCheck['role']; keyId: string; volumes: Set<string> }>();
  for (const s of signatures) {
    if (!s.valid) continue;
    const key = `${s.role}\0${s.keyId}`;
    const entry = on.get(key) ?? { role: s.role, keyId: s.keyId, volumes: new Set<string>() };
    for (const v of s.volumes) entry.volumes.add(v);
    on.set(key, entry);
  }
  const warnings: string[] = [];
  for (const { role, keyId, volumes } of on.values()) {
    const missing = dirs.filter((d) => !volumes.has(d));
    if (missing.length === 0) continue;
    const present = dirs.filter((d) => volumes.has(d)).join(', ');
    const fix =
      role === 'approver'
        ? `approve again with every volume (${dirs.join(' ')}), or copy signatures/ from ${present} to ${missing.join(', ')}`
        : `copy signatures/ from ${present} to ${missing.join(', ')}`;
    const what = role === 'approver' ? 'approval' : `${role} signature`;
    warnings.push(`${what} by ${shortKeyId(keyId)} is on ${present} only (not on ${missing.join(', ')}) — ${fix}.`);
  }
  return warnings;
}
