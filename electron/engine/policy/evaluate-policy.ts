import type { BundleManifest, ImageRecord } from '../../../shared/bundle-manifest.js';
import { formatBytes, formatPlatformRecord } from '../../../shared/format.js';
import type { CosignReport, PolicyViolation, TrustReport } from '../../../shared/verify-report.js';
import { platformMatches } from '../platform/match-platform.js';
import { parsePlatform } from '../platform/parse-platform.js';
import type { Platform } from '../platform/platform.js';
import { globMatches, registryMatches } from './host-pattern.js';
import type { Policy } from './policy.js';

/**
 * Checks a bundle's manifest (and, for the signature rules, its trust report) against a policy and
 * returns every violation, each naming the image (or the bundle) at fault; none means it passes.
 * Image rules run per image in bundle order: allowedRegistries, requireDigest, forbiddenTags,
 * requiredPlatforms; then maxBundleSize, minSignatures and minApprovals for the whole bundle.
 * An image with no platform record (possible only for unusual single-manifest images whose config
 * names no platform) cannot be shown to carry a required platform, so it violates requiredPlatforms; so does one whose
 * `missingPlatforms` records it was bundled without a required platform (the message says so).
 * Signatures count only when valid and by a trusted key; without a trust report they count as none.
 * requireCosignSignature reads the cosign report (`--cosign-key`): without one, every image violates it.
 */
export function evaluatePolicy(policy: Policy, manifest: BundleManifest, trust?: TrustReport, cosign?: CosignReport): PolicyViolation[] {
  const violations: PolicyViolation[] = [];
  const required = policy.requiredPlatforms.map((spec) => ({ spec, platform: parsePlatform(spec) }));
  for (const image of manifest.images) {
    const subject = image.reference;
    const add = (rule: string, message: string): void => void violations.push({ rule, message, subject });

    if (policy.allowedRegistries && !policy.allowedRegistries.some((p) => registryMatches(p, image.registry))) {
      add('allowedRegistries', `${subject} comes from registry ${image.registry}, which the policy does not allow (allowed: ${policy.allowedRegistries.join(', ') || 'none'}).`);
    }
    if (policy.requireDigest && !image.source.includes('@sha256:')) {
      add('requireDigest', `${subject} was named "${image.source}", by tag rather than pinned by digest; the policy requires references of the form name@sha256:….`);
    }
    const forbidden = image.tag === undefined ? undefined : policy.forbiddenTags.find((t) => globMatches(t, image.tag!));
    if (forbidden !== undefined) {
      add('forbiddenTags', `${subject} uses the tag "${image.tag}", which the policy forbids${forbidden === image.tag ? '' : ` (${forbidden})`}.`);
    }
    const platforms = carried(image);
    // what it lacks: anything recorded as missing (bundled without it), and anything no carried manifest has
    const recorded = (image.missingPlatforms ?? []).flatMap((spec) => {
      try {
        return [parsePlatform(spec)];
      } catch {
        return [];
      }
    });
    const lacksRecorded = (r: { platform: Platform }): boolean => recorded.some((m) => platformMatches(m, r.platform));
    const missing = required.filter((r) => lacksRecorded(r) || !platforms.some((have) => platformMatches(r.platform, have)));
    if (missing.length > 0) {
      const have = platforms.map(formatPlatformRecord);
      const wanted = missing.map((m) => m.spec).join(', ');
      const notPublished = missing.filter(lacksRecorded).map((m) => m.spec);
      const why = notPublished.length > 0 ? ` It was bundled without ${notPublished.join(', ')}: the image does not publish ${notPublished.length === 1 ? 'it' : 'them'} (bundle.json missingPlatforms).` : '';
      add(
        'requiredPlatforms',
        (have.length > 0
          ? `${subject} does not carry ${wanted}, which the policy requires (it carries ${have.join(', ')}).`
          : `${subject} carries no platform record, so it cannot be shown to carry ${wanted}, which the policy requires.`) + why,
      );
    }
  }

  const subject = manifest.id;
  if (policy.maxBundleSize !== undefined) {
    const size = bundleSize(manifest);
    if (size > policy.maxBundleSize) {
      violations.push({
        rule: 'maxBundleSize',
        subject,
        message: `The bundle is ${formatBytes(size)} (${size} bytes), over the policy's maximum of ${formatBytes(policy.maxBundleSize)} (${policy.maxBundleSize} bytes).`,
      });
    }
  }
  const counts = trust ? trustedCounts(trust) : undefined;
  if (policy.minSignatures > 0 && (counts?.signatures ?? 0) < policy.minSignatures) {
    violations.push({
      rule: 'minSignatures',
      subject,
      message: counts
        ? `The bundle has ${counts.signatures} valid preparer signature(s) by distinct trusted keys; the policy requires ${policy.minSignatures}.`
        : `The policy requires ${policy.minSignatures} preparer signature(s) by trusted keys, but signatures were not checked (give the trusted public keys).`,
    });
  }
  if (policy.minApprovals > 0 && (counts?.approvals ?? 0) < policy.minApprovals) {
    violations.push({
      rule: 'minApprovals',
      subject,
      message: counts
        ? `The bundle has ${counts.approvals} valid approval(s) by distinct trusted keys other than the preparer's; the policy requires ${policy.minApprovals}.`
        : `The policy requires ${policy.minApprovals} approval(s) by trusted keys, but signatures were not checked (give the trusted public keys).`,
    });
  }
  if (policy.requireCosignSignature) {
    for (const image of manifest.images) {
      const check = cosign?.images.find((c) => c.image === image.reference && c.digest === image.digest);
      if (check?.verdict === 'signed-by-key') continue;
      violations.push({
        rule: 'requireCosignSignature',
        subject: image.reference,
        message: !cosign
          ? `The policy requires a cosign signature on ${image.reference}, but cosign signatures were not checked (no cosign public keys were given).`
          : check?.verdict === 'bad-signature'
            ? `${image.reference} has no valid cosign signature by the given keys: ${check.problem ?? 'bad signature'}`
            : `${image.reference} carries no cosign signature (its signatures were not carried, or it was never signed with cosign at the source).`,
        ...(!cosign ? { hint: 'cosign-key' as const } : check?.verdict === 'bad-signature' ? {} : { hint: 'referrers' as const }),
      });
    }
  }
  return violations;
}

/** What a bundle takes on its media: archive parts plus parity parts (bundle.json and SHA256SUMS are negligible). */
export function bundleSize(manifest: BundleManifest): number {
  return manifest.archive.size + (manifest.archive.parity?.parts.reduce((n, p) => n + p.size, 0) ?? 0);
}

/** The platforms an image carries, per its manifests' records (attestation entries, `unknown/unknown`, left out). */
function carried(image: ImageRecord): Platform[] {
  return image.manifests
    .map((m) => m.platform)
    .filter((p): p is NonNullable<typeof p> => p !== undefined && p.os !== 'unknown' && p.architecture !== 'unknown')
    .map((p) => ({
      os: p.os,
      architecture: p.architecture,
      ...(p.variant ? { variant: p.variant } : {}),
      ...(p.osVersion ? { osVersion: p.osVersion } : {}),
    }));
}

/** Valid signatures by distinct trusted keys: preparers, and approvers that prepared nothing. */
function trustedCounts(trust: TrustReport): { signatures: number; approvals: number } {
  const valid = trust.signatures.filter((s) => s.valid);
  const preparerIds = new Set(valid.filter((s) => s.role === 'preparer').map((s) => s.keyId));
  const trustedPreparers = new Set(valid.filter((s) => s.role === 'preparer' && s.trusted).map((s) => s.keyId));
  const approvers = new Set(valid.filter((s) => s.role === 'approver' && s.trusted && !preparerIds.has(s.keyId)).map((s) => s.keyId));
  return { signatures: trustedPreparers.size, approvals: approvers.size };
}
