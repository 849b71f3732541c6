import { createHash } from 'node:crypto';
import { lstat, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ArtifactView, BundleCopiesResult, BundleSignaturesResult } from '../../../shared/api-contract.js';
import type { IntegrityReport } from '../../../shared/verify-report.js';
import { inspectBundle } from '../bundle/inspect-bundle.js';
import { diffHoldings } from '../diff/diff-holdings.js';
import { listVolumes } from '../media/list-volumes.js';
import { readBundleArtifacts } from '../referrers/bundle-artifacts.js';
import { renderHtmlReport } from '../report/html-report.js';
import { reviewBundle } from '../report/review-bundle.js';
import { checkVolumeSignatures } from '../trust/check-volume-signatures.js';
import { loadPublicKey } from '../trust/key-files.js';
import { readBundleForSigning } from '../trust/sign-bundle.js';
import { signVolumes } from '../trust/sign-volumes.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { checkBundle } from '../verify/verify-bundle.js';
import type { CallHandler, JobHandler } from './api-handlers.js';

/** How many verdicts the session remembers for the HTML report (the newest ones). */
const REMEMBERED_VERDICTS = 32;

/** An integrity verdict of this session, by the sha256 of the `bundle.json` it judged. */
interface RememberedVerdict {
  integrity: IntegrityReport;
  /** The folders read, as real paths. */
  dirs: string[];
  at: string;
}

type ReviewChannels = 'bundle.artifacts' | 'bundle.diff' | 'bundle.report' | 'bundle.signatures' | 'bundle.sign' | 'bundle.copies';

/**
 * The Review wizard's calls beyond inspect and approve: the signatures (on open), signing as preparer, the copies on
 * media, carried SBOMs and cosign verdicts, what changed, the HTML report; and the verify job, which remembers each
 * integrity verdict of the session so the report holds it (the host's own verdict, never one the page sends).
 */
export function reviewHandlers(): { [C in ReviewChannels]: CallHandler<C> } & { 'bundle.verify': JobHandler<'bundle.verify'> } {
  const verdicts = new Map<string, RememberedVerdict>();
  return {
    'bundle.verify': async (input, controls) => {
      const checked = await checkBundle(input, controls);
      if (checked.bundleJson) {
        const sha256 = createHash('sha256').update(checked.bundleJson).digest('hex');
        verdicts.delete(sha256);
        verdicts.set(sha256, { integrity: checked.report.integrity, dirs: await realPaths(checked.dirs), at: new Date().toISOString() });
        while (verdicts.size > REMEMBERED_VERDICTS) verdicts.delete(verdicts.keys().next().value!);
      }
      return checked.report;
    },
    // what a bundle brings against an older bundle or an inventory, as `ferry diff OLD NEW` says it
    'bundle.diff': async ({ old, new: next }) => diffHoldings(old, next),
    'bundle.artifacts': async ({ dir, cosignKeys }) => {
      const carried = await readBundleArtifacts(dir, cosignKeys?.length ? { cosignKeys } : {});
      const artifacts: Record<string, ArtifactView[]> = {};
      for (const [reference, list] of carried?.artifacts ?? []) artifacts[reference] = list;
      return { artifacts, ...(carried?.cosign ? { cosign: carried.cosign } : {}) };
    },
    'bundle.signatures': async ({ dirs, trustedKeys }) => bundleSignatures(dirs, trustedKeys ?? []),
    // `ferry sign`: verified whole first, then the same signature on every folder given
    'bundle.sign': async ({ dirs, keyFile }) => signVolumes(dirs, keyFile),
    'bundle.copies': async ({ dir }) => bundleCopies(dir),
    // what `ferry inspect --html` writes: one self-contained page, written under a temp name then renamed
    'bundle.report': async ({ dir, outFile, trustedKeys, requireApproval, policy, cosignKeys, verify }) => {
      const review = await reviewBundle({
        dir,
        ...(trustedKeys?.length ? { trustedKeys } : {}),
        ...(requireApproval ? { requireApproval: true } : {}),
        ...(policy ? { policy } : {}),
        ...(verify ? { verify: true } : {}),
        ...(cosignKeys?.length ? { cosignKeys } : {}),
      });
      // the verdict of this session's Verify of exactly this bundle.json in this folder, when there was one
      const remembered = review.integrity ? undefined : verdicts.get(review.bundleSha256);
      const folder = await realPaths([(await inspectBundle(dir)).path.replace(/[\\/]bundle\.json$/, '')]);
      const verdict = remembered && remembered.dirs.includes(folder[0]!) ? remembered : undefined;
      const path = resolve(outFile);
      await writeFileAtomic(path, renderHtmlReport(verdict ? { ...review, integrity: verdict.integrity } : review));
      const integrity = verdict ?? (review.integrity ? { integrity: review.integrity, at: review.generated } : undefined);
      return { path, ...(integrity ? { integrity: { ok: integrity.integrity.ok, verifiedAt: integrity.at } } : {}) };
    },
  };
}

/** Real paths of folders (as given when one cannot be resolved). */
async function realPaths(dirs: string[]): Promise<string[]> {
  return Promise.all(dirs.map((d) => realpath(resolve(d)).catch(() => resolve(d))));
}

/**
 * The signatures on every folder given, checked against the first one's `bundle.json` (the exact bytes), with the
 * trusted keys that could be read; a key file that cannot be read is reported, not fatal (the list stays useful while
 * the path is being typed).
 */
async function bundleSignatures(dirs: string[], trustedKeyFiles: string[]): Promise<BundleSignaturesResult> {
  const bundle = await readBundleForSigning(dirs[0]!);
  const folders = [bundle.dir, ...(await Promise.all(dirs.slice(1).map(async (d) => (await readBundleForSigning(d)).dir)))];
  const trusted = new Map<string, string>();
  const trustedKeys: BundleSignaturesResult['trustedKeys'] = [];
  const keyProblems: BundleSignaturesResult['keyProblems'] = [];
  for (const file of trustedKeyFiles) {
    try {
      const key = await loadPublicKey(file);
      trustedKeys.push({ file: key.file, keyId: key.keyId });
      if (!trusted.has(key.keyId)) trusted.set(key.keyId, key.file);
    } catch (error) {
      keyProblems.push({ file, message: (error as Error).message });
    }
  }
  const unique = [...new Set(await realPaths(folders))];
  const { signatures, warnings } = await checkVolumeSignatures(unique, bundle.bytes, trusted);
  if (unique.length === 1) for (const s of signatures) delete s.volumes;
  return { bundleSha256: bundle.sha256, signatures, trustedKeys, keyProblems, warnings };
}

/** Mounted volumes (every one, not only removable) holding a bundle with the same id at their root, the open folder aside. */
async function bundleCopies(dir: string): Promise<BundleCopiesResult> {
  const opened = await inspectBundle(dir);
  const [own] = await realPaths([opened.path.replace(/[\\/]bundle\.json$/, '') || '/']);
  let mounts: { mount: string; label: string }[];
  try {
    mounts = (await listVolumes({ all: true })).flatMap((v) => (v.mount ? [{ mount: v.mount, label: v.label }] : []));
  } catch (error) {
    return { bundleId: opened.manifest.id, copies: [], problem: (error as Error).message };
  }
  const copies: BundleCopiesResult['copies'] = [];
  for (const { mount, label } of mounts) {
    const [real] = await realPaths([mount]);
    if (real === own) continue;
    // only a regular bundle.json at the root (a link is never followed); anything unreadable is not a copy
    const info = await lstat(join(mount, 'bundle.json')).catch(() => undefined);
    if (!info?.isFile()) continue;
    const other = await inspectBundle(mount).catch(() => undefined);
    if (other?.manifest.id !== opened.manifest.id) continue;
    copies.push({ dir: mount, label, sameBundleJson: other.bundleSha256 === opened.bundleSha256 });
  }
  return { bundleId: opened.manifest.id, copies };
}
