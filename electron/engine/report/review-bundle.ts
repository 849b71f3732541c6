import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PolicyReport, TrustReport } from '../../../shared/verify-report.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { inspectBundle } from '../bundle/inspect-bundle.js';
import { evaluatePolicy } from '../policy/evaluate-policy.js';
import { loadPolicy } from '../policy/load-policy.js';
import { checkTrust } from '../trust/check-trust.js';
import { verifyBundle } from '../verify/verify-bundle.js';
import type { ReviewReportInput } from './html-report.js';
import { readBundleArtifacts } from '../referrers/bundle-artifacts.js';

/** What a review covers beyond `bundle.json` itself. */
export interface ReviewBundleOptions {
  dir: string;
  /** Trusted public keys (`.pub`): signatures are checked against them. */
  trustedKeys?: string[];
  requireApproval?: boolean;
  /** A YAML policy file to check the bundle against. */
  policy?: string;
  /** Also check integrity (every part and blob): reads the whole bundle. */
  verify?: boolean;
  /** Cosign public keys: check the carried images' cosign signatures (and `requireCosignSignature` policies). */
  cosignKeys?: string[];
}

/**
 * Gathers what a security officer reviews: the manifest and its warnings, its signatures (always
 * listed when it has any), the policy verdict when a policy is given, and the integrity check when
 * asked for (`verify`, a full read). The result renders as the HTML report.
 */
export async function reviewBundle(options: ReviewBundleOptions, controls: JobControls = {}): Promise<ReviewReportInput> {
  const inspection = await inspectBundle(options.dir);
  const generated = new Date().toISOString();
  const carried = await readBundleArtifacts(options.dir, { ...(options.cosignKeys ? { cosignKeys: options.cosignKeys } : {}), ...(controls.signal ? { signal: controls.signal } : {}) });
  const base = { manifest: inspection.manifest, warnings: inspection.warnings, bundleSha256: inspection.bundleSha256, generated, ...(carried ? { artifacts: carried.artifacts } : {}) };
  if (options.verify) {
    const report = await verifyBundle(
      {
        dirs: [options.dir],
        ...(options.trustedKeys ? { trustedKeys: options.trustedKeys } : {}),
        ...(options.requireApproval ? { requireApproval: true } : {}),
        ...(options.policy ? { policy: options.policy } : {}),
        ...(options.cosignKeys ? { cosignKeys: options.cosignKeys } : {}),
      },
      controls,
    );
    return { ...base, integrity: report.integrity, ...(report.trust ? { trust: report.trust } : {}), ...(report.policy ? { policy: report.policy } : {}), ...(report.cosign ? { cosign: report.cosign } : {}) };
  }
  const policy = options.policy === undefined ? undefined : await loadPolicy(options.policy);
  const folder = dirname(inspection.path);
  let trust: TrustReport | undefined;
  if (existsSync(join(folder, 'signatures')) || (options.trustedKeys?.length ?? 0) > 0) {
    trust = await checkTrust({
      dir: folder,
      bundleJson: readFileSync(inspection.path),
      trustedKeys: options.trustedKeys ?? [],
      requireApproval: options.requireApproval ?? false,
    });
  }
  let policyReport: PolicyReport | undefined;
  if (policy) {
    const violations = evaluatePolicy(policy, inspection.manifest, trust, carried?.cosign);
    policyReport = { ok: violations.length === 0, file: policy.file, violations };
  }
  return { ...base, ...(trust ? { trust } : {}), ...(policyReport ? { policy: policyReport } : {}), ...(carried?.cosign ? { cosign: carried.cosign } : {}) };
}
