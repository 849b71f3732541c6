import { createHash } from 'node:crypto';
import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import type { VerifyReport } from '../../../shared/verify-report.js';
import { BundleArchive } from '../bundle/bundle-archive.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { FerryError } from '../errors/ferry-error.js';
import { checkBundle, verifyFailure, type VerifyBundleOptions } from './verify-bundle.js';

/** What to prove before an offline command acts on a bundle. */
export interface OpenVerifiedBundleOptions extends VerifyBundleOptions {
  /** What not happening means, for the error: `nothing was pushed`, `nothing was placed`, `it is not served`. */
  consequence: string;
}

/**
 * A bundle proven whole (and trusted, signed and within policy when asked): the one view of a bundle that
 * every offline command acts on. The manifest is the one verification judged, from the exact `bundle.json`
 * bytes the signatures were checked against; nothing reads `bundle.json` again.
 */
export interface VerifiedBundle {
  /** The folders (absolute paths): a bundle folder, or every volume of a set. */
  dirs: string[];
  manifest: BundleManifest;
  /** The exact bytes of `bundle.json`. */
  bundleJson: Buffer;
  /** sha256 (hex) of those bytes: what signatures bind. */
  bundleSha256: string;
  /** Everything verification found (integrity, trust, cosign, policy), all passed. */
  report: VerifyReport;
  /** Opens the archive for random access by digest, indexed with the verified manifest. */
  openArchive(options?: { signal?: AbortSignal }): Promise<BundleArchive>;
}

/**
 * Verifies a bundle as `ferry verify` does — every byte of every part, every blob, the OCI and docker-save
 * metadata against `bundle.json`, its internal consistency, and signatures, cosign keys and policy when asked —
 * and returns the verified view, or throws: `damaged`, `untrusted` or `policy-violation`, saying that
 * `consequence` holds and listing the first ten reasons. Nothing an offline command does may start before this.
 */
export async function openVerifiedBundle(options: OpenVerifiedBundleOptions, controls: JobControls = {}): Promise<VerifiedBundle> {
  const { consequence, ...verify } = options;
  const checked = await checkBundle(verify, controls);
  for (const message of checked.report.trust?.warnings ?? []) controls.onProgress?.({ kind: 'warning', message });
  const failure = verifyFailure(checked.report, 'below');
  if (failure || !checked.manifest || !checked.bundleJson) {
    const { report } = checked;
    const reasons = [
      ...report.integrity.faults.map((f) => f.message),
      ...(report.trust?.problems ?? []),
      ...(report.policy?.violations.map((v) => v.message) ?? []),
      ...(report.cosign?.images.filter((c) => c.verdict !== 'signed-by-key').map((c) => `${c.image}: ${c.verdict}${c.problem ? ` (${c.problem})` : ''}.`) ?? []),
    ];
    const shown = `${reasons.slice(0, 10).join(' ')}${reasons.length > 10 ? ` … and ${reasons.length - 10} more` : ''}`;
    const head = failure?.message.replace(/\.$/, '') ?? 'The bundle has no valid bundle.json';
    throw new FerryError(failure?.code ?? 'damaged', `${head}; ${consequence}. ${shown}`.trim(), { subject: checked.dirs.join(', ') || options.dirs[0]! });
  }
  controls.signal?.throwIfAborted();
  const { manifest, bundleJson, dirs, report, entries } = checked;
  return {
    dirs,
    manifest,
    bundleJson,
    bundleSha256: createHash('sha256').update(bundleJson).digest('hex'),
    report,
    // indexed with the entries verification walked: the archive's headers are not read a second time
    openArchive: (open = {}) => BundleArchive.open(dirs, { manifest, ...(entries ? { entries } : {}), ...(open.signal ? { signal: open.signal } : {}) }),
  };
}
