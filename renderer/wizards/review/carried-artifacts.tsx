import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import { formatBytes } from '../../../shared/format.js';
import type { CosignImageCheck } from '../../../shared/verify-report.js';
import { ErrorMessage } from '../../components/error-message.js';
import { useReview } from '../../store/stores-context.js';

/** One image's cosign verdict in words. */
export function cosignVerdictText(check: CosignImageCheck): string {
  if (check.verdict === 'signed-by-key') return `signed by key ${check.key ?? ''}`.trim();
  if (check.verdict === 'unsigned') return 'unsigned';
  return `bad signature${check.problem ? `: ${check.problem}` : ''}`;
}

/** Per image: its image signatures (cosign verdict when keys are given), SBOMs (format, package count) and attestations. */
export function CarriedArtifacts({ manifest }: { manifest: BundleManifest }) {
  const artifacts = useReview((s) => s.artifacts);
  const result = artifacts.status === 'done' ? artifacts.result : undefined;
  const cosign = new Map((result?.cosign?.images ?? []).map((c) => [c.image, c]));
  const withReferrers = manifest.images.filter((i) => (i.referrers?.length ?? 0) > 0 || cosign.has(i.reference));
  return (
    <section className="artifacts" aria-labelledby="artifacts-title">
      <h2 id="artifacts-title">Image signatures, SBOMs and attestations</h2>
      {artifacts.status === 'running' ? <p className="hint">Reading the carried SBOMs and attestations…</p> : null}
      {artifacts.status === 'failed' ? <ErrorMessage error={artifacts.error} /> : null}
      {withReferrers.length === 0 ? (
        <p className="empty">No image carries a signature, SBOM or attestation. To carry them, the preparer ticks “Carry signatures, SBOMs and attestations” in Prepare.</p>
      ) : (
        <ul className="artifact-list" aria-label="Carried signatures, SBOMs and attestations">
          {withReferrers.map((image) => {
            const check = cosign.get(image.reference);
            const refs = image.referrers ?? [];
            const signatures = refs.filter((r) => r.kind === 'signature').length;
            const read = result?.artifacts[image.reference] ?? [];
            return (
              <li key={`${image.reference}@${image.digest}`}>
                <strong>{image.reference}</strong>
                <ul>
                  <li className={check ? (check.verdict === 'signed-by-key' ? 'ok' : 'bad') : undefined}>
                    Cosign signature: {check ? cosignVerdictText(check) : signatures > 0 ? `${signatures} carried (give a cosign public key to check)` : 'none carried'}
                  </li>
                  {read.map((a) => (
                    <li key={a.digest}>
                      {a.kind === 'sbom' ? 'SBOM' : 'Attestation'}: {a.detail} <code className="digest">{a.digest}</code>
                    </li>
                  ))}
                  {read.length === 0 && refs.some((r) => r.kind === 'sbom' || r.kind === 'attestation') && artifacts.status !== 'done' ? <li>SBOMs and attestations carried (not read yet)</li> : null}
                </ul>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** The charts carried (with the images each may need, listed and not added) and the plain files. */
export function ChartsAndFiles({ manifest }: { manifest: BundleManifest }) {
  return (
    <>
      <section className="charts" aria-labelledby="charts-title">
        <h2 id="charts-title">Charts ({manifest.charts.length})</h2>
        {manifest.charts.length === 0 ? (
          <p className="empty">No Helm charts carried.</p>
        ) : (
          <ul aria-label="Charts">
            {manifest.charts.map((c) => (
              <li key={`${c.name}@${c.version}`}>
                <strong>
                  {c.name} {c.version}
                </strong>{' '}
                from {c.source} <code className="digest">{c.digest}</code>
                {c.provenance ? ' (provenance carried)' : ''}
                {c.images.length > 0 ? (
                  <div className="chart-images">
                    Images this chart may need (not added): {c.images.join(', ')}
                  </div>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="files" aria-labelledby="files-title">
        <h2 id="files-title">Files ({manifest.files.length})</h2>
        {manifest.files.length === 0 ? (
          <p className="empty">No plain files carried.</p>
        ) : (
          <ul aria-label="Files">
            {manifest.files.map((f) => (
              <li key={f.name}>
                <strong>{f.name}</strong> ({formatBytes(f.size)}) from {f.source}, sha256 <code className="digest">{f.sha256}</code>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
