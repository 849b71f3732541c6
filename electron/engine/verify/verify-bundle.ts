import type { VerifyReport } from '../../../shared/verify-report.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { checkIntegrity } from './verify-integrity.js';

/** What `ferry verify` checks. */
export interface VerifyBundleOptions {
  /** The bundle folder, a mount point with a bundle at its root, or every volume of a multi-volume set. */
  dirs: string[];
  // Signature trust (`trust`, `requireApproval`) and `policy` options join here: each adds its
  // half of the report from the integrity outcome (manifest, exact bundle.json bytes, dirs).
}

/**
 * Everything `ferry verify` reports about a bundle: today its integrity (every fault at once);
 * signature trust and policy are added to the same report. `ok` only when every part is ok.
 */
export async function verifyBundle(options: VerifyBundleOptions, controls: JobControls = {}): Promise<VerifyReport> {
  const integrity = await checkIntegrity({ dirs: options.dirs }, controls);
  return { ok: integrity.report.ok, integrity: integrity.report };
}
