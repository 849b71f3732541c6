import { resolve } from 'node:path';
import type { ArtifactView } from '../../../shared/api-contract.js';
import { diffHoldings } from '../diff/diff-holdings.js';
import { readBundleArtifacts } from '../referrers/bundle-artifacts.js';
import { renderHtmlReport } from '../report/html-report.js';
import { reviewBundle } from '../report/review-bundle.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import type { CallHandler } from './api-handlers.js';

/** The Review wizard's calls beyond inspect/verify/approve: carried SBOMs, attestations and cosign verdicts; what changed; the HTML report. */
export function reviewHandlers(): { 'bundle.artifacts': CallHandler<'bundle.artifacts'>; 'bundle.diff': CallHandler<'bundle.diff'>; 'bundle.report': CallHandler<'bundle.report'> } {
  return {
    // what a bundle brings against an older bundle or an inventory, as `ferry diff OLD NEW` says it
    'bundle.diff': async ({ old, new: next }) => diffHoldings(old, next),
    'bundle.artifacts': async ({ dir, cosignKeys }) => {
      const carried = await readBundleArtifacts(dir, cosignKeys?.length ? { cosignKeys } : {});
      const artifacts: Record<string, ArtifactView[]> = {};
      for (const [reference, list] of carried?.artifacts ?? []) artifacts[reference] = list;
      return { artifacts, ...(carried?.cosign ? { cosign: carried.cosign } : {}) };
    },
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
      const path = resolve(outFile);
      await writeFileAtomic(path, renderHtmlReport(review));
      return { path };
    },
  };
}
