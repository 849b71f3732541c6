import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import type { AgainstReport, CosignReport, PolicyReport, TrustReport, VerifyReport } from '../../../shared/verify-report.js';
import type { JobControls } from '../bundle/create-bundle.js';
import type { TarEntry } from '../bundle/archive/tar-reader.js';
import { FerryError } from '../errors/ferry-error.js';
import type { RegistryClientOptions } from '../registry/registry-client.js';
import { againstFailure } from './against-failure.js';
import { checkIntegrity } from './verify-integrity.js';
import { addPartHolders } from './part-holders.js';

/** What `ferry verify` checks. */
export interface VerifyBundleOptions {
  /** The bundle folder, a mount point with a bundle at its root, or every volume of a multi-volume set. */
  dirs: string[];
  /** Public key files (`.pub`) whose signatures are trusted: a valid preparer signature by one is then required. */
  trustedKeys?: string[];
  /** Also require an approval by a trusted key other than the preparer's (the two-person rule). */
  requireApproval?: boolean;
  /** A YAML policy file the bundle must satisfy. */
  policy?: string;
  /** Cosign public keys (PEM: ECDSA P-256, Ed25519, RSA): every carried image must have a valid cosign signature by one. */
  cosignKeys?: string[];
  /**
   * A delta's target (`HOST[:PORT][/PREFIX]`, as `ferry import --to` takes it): every blob the delta relies on is looked
   * for there (`HEAD`), in the repository import would push its image to; each one missing is listed.
   */
  against?: string;
  /** `--map SRC=DST` rules for `against`, as import applies them. */
  mapRules?: string[];
  /** Registry access for `against` (TLS, insecure hosts, credentials). */
  registry?: RegistryClientOptions;
}

/**
 * Everything `ferry verify` reports about a bundle, together: its integrity (every fault at
 * once; a delta's blobs held offline are listed as relied on, not faults), its signatures (checked whenever it has
 * any, or trusted keys are given), the policy and, for a delta with `against`, whether the target holds its base.
 * `ok` only when every part is. Keys and the policy are read before the long pass over the parts,
 * so a bad flag fails at once.
 */
export async function verifyBundle(options: VerifyBundleOptions, controls: JobControls = {}): Promise<VerifyReport> {
  return (await checkBundle(options, controls)).report;
}

/** A verification with what was verified: the manifest and the exact `bundle.json` bytes, when they were valid. */
export interface BundleCheck {
  report: VerifyReport;
  manifest?: BundleManifest;
  bundleJson?: Buffer;
  /** The folders, as opened (absolute paths). */
  dirs: string[];
  /** Every archive entry by path, as the verification walked it (when it walked the whole archive). */
  entries?: Map<string, TarEntry>;
}

/** {@link verifyBundle}, also returning the manifest it judged (so nothing reads `bundle.json` a second time). */
export async function checkBundle(options: VerifyBundleOptions, controls: JobControls = {}): Promise<BundleCheck> {
  const trustedKeys = options.trustedKeys ?? [];
  if (options.requireApproval && trustedKeys.length === 0) {
    throw new FerryError('bad-usage', 'Requiring an approval needs the trusted public keys (--trust KEY.pub): an approval counts only when a trusted key made it.');
  }
  // signatures, policy (YAML, schemas), cosign and the registry client (undici) are loaded only when a flag or the
  // bundle calls for them: a plain `ferry verify` starts without them (start-up is most of a small bundle's verify)
  if (trustedKeys.length > 0) {
    const { loadPublicKey } = await import('../trust/key-files.js');
    await Promise.all(trustedKeys.map(loadPublicKey));
  }
  const policyCode =
    options.policy === undefined ? undefined : { load: (await import('../policy/load-policy.js')).loadPolicy, evaluate: (await import('../policy/evaluate-policy.js')).evaluatePolicy };
  const policy = policyCode && options.policy !== undefined ? await policyCode.load(options.policy) : undefined;
  const cosignModule = options.cosignKeys?.length ? await import('../referrers/verify-cosign.js') : undefined;
  const cosignKeys = options.cosignKeys?.length ? await cosignModule!.loadCosignKeys(options.cosignKeys) : undefined;
  if (options.against === undefined && (options.mapRules?.length ?? 0) > 0) throw new FerryError('bad-usage', '--map rules apply to --against HOST[:PORT][/PREFIX]; name the target too.');
  const againstModule = options.against === undefined ? undefined : await import('./check-against.js');
  const againstTarget = options.against === undefined ? undefined : againstModule!.parseAgainstTarget(options.against, options.mapRules);

  const integrity = await checkIntegrity({ dirs: options.dirs }, controls);
  let trust: TrustReport | undefined;
  // every volume's signatures/, together: an approval written to one stick of a set still counts
  // lstat, not stat: a `signatures` that is a link (even a broken one) is there, and checkTrust reports it
  const signed = integrity.dirs.some((dir) => lstatSync(join(dir, 'signatures'), { throwIfNoEntry: false }) !== undefined);
  if (integrity.bundleJson && integrity.dirs.length > 0 && (signed || trustedKeys.length > 0)) {
    const { checkTrust } = await import('../trust/check-trust.js');
    trust = await checkTrust({
      dirs: integrity.dirs,
      bundleJson: integrity.bundleJson,
      trustedKeys,
      requireApproval: options.requireApproval ?? false,
    });
  }
  let cosign: CosignReport | undefined;
  if (cosignKeys && cosignModule) {
    const keys = cosignKeys.map((k) => ({ file: k.file, type: k.type }));
    cosign = { ok: false, keys, images: [] };
    if (integrity.manifest) {
      const { BundleArchive } = await import('../bundle/bundle-archive.js');
      const archive = await BundleArchive.open(integrity.dirs, { manifest: integrity.manifest, ...(controls.signal ? { signal: controls.signal } : {}) }).catch(() => undefined);
      if (archive) {
        try {
          cosign = await cosignModule.verifyCosignSignatures(integrity.manifest, archive, cosignKeys);
        } finally {
          await archive.close();
        }
      }
    }
  }
  let policyReport: PolicyReport | undefined;
  if (policy && policyCode && integrity.manifest) {
    const violations = policyCode.evaluate(policy, integrity.manifest, trust, cosign);
    policyReport = { ok: violations.length === 0, file: policy.file, violations };
  } else if (policy) {
    policyReport = { ok: false, file: policy.file, violations: [{ rule: 'bundle.json', message: 'The policy could not be checked: the bundle has no valid bundle.json.' }] };
  }
  let against: AgainstReport | undefined;
  if (againstTarget && againstModule && integrity.manifest) {
    against = await againstModule.checkAgainst(
      {
        manifest: integrity.manifest,
        against: againstTarget,
        ...(integrity.owners ? { owners: integrity.owners } : {}),
        ...(integrity.chartOwners ? { chartOwners: integrity.chartOwners } : {}),
        ...(options.registry ? { registry: options.registry } : {}),
      },
      controls,
    );
  } else if (againstTarget) {
    against = { ok: false, target: againstTarget.text, checked: 0, present: 0, missing: [], problem: 'The target could not be checked: the bundle has no valid bundle.json.' };
  }
  const ok = integrity.report.ok && (trust?.ok ?? true) && (policyReport?.ok ?? true) && (cosign?.ok ?? true) && (against?.ok ?? true);
  const report: VerifyReport = {
    ok,
    // a missing part placed by what the opened volumes' own files say (volume 2 of 2, or lost from this one)
    integrity: await addPartHolders(integrity.report),
    ...(trust ? { trust } : {}),
    ...(policyReport ? { policy: policyReport } : {}),
    ...(cosign ? { cosign } : {}),
    ...(against ? { against } : {}),
  };
  return {
    report,
    dirs: integrity.dirs,
    ...(integrity.manifest ? { manifest: integrity.manifest, bundleJson: integrity.bundleJson! } : {}),
    ...(integrity.entries ? { entries: integrity.entries } : {}),
  };
}

/** The error a failed verification ends with: damaged first, then untrusted, then against policy. */
export function verifyFailure(report: VerifyReport, listedWhere: string): FerryError | undefined {
  const subject = report.integrity.dirs.join(', ');
  const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  if (!report.integrity.ok) {
    return new FerryError('damaged', `The bundle is damaged: ${count(report.integrity.faults.length, 'fault')} (listed ${listedWhere}).`, { subject });
  }
  if (report.trust && !report.trust.ok) {
    return new FerryError('untrusted', `The bundle is not trusted: ${count(report.trust.problems.length, 'problem')} with its signatures (listed ${listedWhere}).`, { subject });
  }
  if (report.cosign && !report.cosign.ok) {
    const unsigned = report.cosign.images.filter((i) => i.verdict !== 'signed-by-key').length;
    return new FerryError('untrusted', `The bundle's images are not all signed: ${count(unsigned, 'image')} without a valid cosign signature by the given keys (listed ${listedWhere}).`, { subject });
  }
  if (report.policy && !report.policy.ok) {
    return new FerryError('policy-violation', `The bundle breaks policy ${report.policy.file}: ${count(report.policy.violations.length, 'violation')} (listed ${listedWhere}).`, { subject });
  }
  if (report.against) return againstFailure(report.against, listedWhere);
  return undefined;
}
