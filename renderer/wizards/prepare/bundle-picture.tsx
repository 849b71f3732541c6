import { formatBytes } from '../../../shared/format.js';
import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import { deltaNumbers } from '../../../shared/delta.js';

const WIDTH = 1000;
const HEIGHT = 36;
const MIN_SEGMENT = 8;

/**
 * Bytes saved by layers shared between images: the images' own sizes added up, minus the distinct blobs they need once
 * (charts' blobs left out); and, for a delta, the bytes held offline (needed, not carried). `stored` is what the
 * archive holds.
 */
export function sharedSavings(manifest: BundleManifest): { perImage: number; stored: number; saved: number; held: number; heldBlobs: number } {
  const perImage = manifest.images.reduce((n, i) => n + i.size, 0);
  const stored = manifest.blobs.reduce((n, b) => n + b.size, 0);
  const delta = deltaNumbers(manifest);
  const held = delta?.bytesHeld ?? 0;
  // charts' blobs (their manifest, config, .tgz and .prov: the chart's size) are no image's
  const charts = manifest.charts.reduce((n, c) => n + c.size, 0);
  return { perImage, stored, saved: Math.max(0, perImage - (stored + held - charts)), held, heldBlobs: delta?.blobsHeld ?? 0 };
}

/** A delta's picture: one bar of what the archive carries against what stays held offline. */
function DeltaBar({ stored, held, heldBlobs }: { stored: number; held: number; heldBlobs: number }) {
  const total = Math.max(1, stored + held);
  const carriedWidth = Math.max(MIN_SEGMENT, (stored / total) * WIDTH);
  return (
    <div className="delta-picture">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT / 2}`} preserveAspectRatio="none" role="img" aria-label={`Carried ${formatBytes(stored)}, held offline ${formatBytes(held)}`}>
        <rect x={0} y={0} width={Math.min(WIDTH, carriedWidth)} height={HEIGHT / 2} className="carried-seg">
          <title>Carried: {formatBytes(stored)}</title>
        </rect>
        <rect x={Math.min(WIDTH, carriedWidth)} y={0} width={Math.max(0, WIDTH - carriedWidth)} height={HEIGHT / 2} className="held-seg">
          <title>Held offline, not carried: {formatBytes(held)}</title>
        </rect>
      </svg>
      <ul className="legend" aria-label="Carried and held offline">
        <li>
          <svg width="12" height="12" aria-hidden="true">
            <rect width="12" height="12" className="carried-seg" />
          </svg>{' '}
          carried <span className="muted">{formatBytes(stored)}</span>
        </li>
        <li>
          <svg width="12" height="12" aria-hidden="true">
            <rect width="12" height="12" className="held-seg" />
          </svg>{' '}
          held offline, not carried <span className="muted">{formatBytes(held)}</span>
        </li>
      </ul>
      <p className="savings">
        <strong>{formatBytes(held)} saved by the delta</strong>: {heldBlobs} {heldBlobs === 1 ? 'blob' : 'blobs'} the offline side holds are not carried; the archive carries {formatBytes(stored)} of {formatBytes(stored + held)}. Import it on top of
        what it relies on (a registry holding them, or its base bundles).
      </p>
    </div>
  );
}

/** The signatures, attestations and SBOMs carried with the images, counted by kind (`2 signatures, 1 sbom`), or undefined when none. */
export function referrerSummary(manifest: BundleManifest): string | undefined {
  const all = manifest.images.flatMap((i) => i.referrers ?? []);
  if (all.length === 0) return undefined;
  const kinds = ['signature', 'attestation', 'sbom', 'other'].map((k) => [k, all.filter((r) => r.kind === k).length] as const).filter(([, n]) => n > 0);
  return kinds.map(([k, n]) => `${n} ${k === 'sbom' ? 'SBOM' : k}${n === 1 ? '' : 's'}`).join(', ');
}

/** The charts, files and referrers the bundle carries beside its images. */
function Carried({ manifest }: { manifest: BundleManifest }) {
  const referrers = referrerSummary(manifest);
  if (manifest.charts.length === 0 && manifest.files.length === 0 && !referrers) return null;
  return (
    <div className="carried-all">
      {manifest.charts.length > 0 ? (
        <ul className="carried" aria-label="Charts carried">
          {manifest.charts.map((c) => (
            <li key={c.digest}>
              Chart <strong>{c.name}</strong> {c.version} <span className="muted">· {formatBytes(c.size)}{c.provenance ? ' · with provenance' : ''}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {manifest.files.length > 0 ? (
        <ul className="carried" aria-label="Files carried">
          {manifest.files.map((f) => (
            <li key={f.name}>
              File <strong>files/{f.name}</strong> <span className="muted">· {formatBytes(f.size)}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {referrers ? <p className="carried">Signatures, SBOMs and attestations carried: {referrers} (listed per image in bundle.json).</p> : null}
    </div>
  );
}


/** A picture of the bundle: a stacked bar of size per image (SVG attributes, no inline styles) and the bytes saved by shared layers. */
export function BundlePicture({ manifest }: { manifest: BundleManifest }) {
  const { perImage, stored, saved, held, heldBlobs } = sharedSavings(manifest);
  // every image stays visible: at least MIN_SEGMENT wide, the rest in proportion
  const raw = manifest.images.map((image) => Math.max(MIN_SEGMENT, (image.size / Math.max(1, perImage)) * WIDTH));
  const scale = WIDTH / Math.max(1, raw.reduce((n, w) => n + w, 0));
  let x = 0;
  const segments = manifest.images.map((image, i) => {
    const w = raw[i]! * scale;
    const seg = { x, w, image, i };
    x += w;
    return seg;
  });
  return (
    <section aria-labelledby="step-result" className="step result">
      <h2 id="step-result">5. Result</h2>
      <figure className="bundle-picture">
        {manifest.images.length === 0 ? null : (
          <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" role="img" aria-label={`Size per image: ${manifest.images.map((i) => `${i.reference} ${formatBytes(i.size)}`).join(', ')}`}>
            {segments.map((s) => (
              <rect key={s.image.reference} x={s.x} y={0} width={Math.max(0, s.w - 2)} height={HEIGHT} className={`seg seg-${s.i % 6}`}>
                <title>
                  {s.image.reference}: {formatBytes(s.image.size)}
                </title>
              </rect>
            ))}
          </svg>
        )}
        <figcaption>
          <ul className="legend" aria-label="Size per image">
            {segments.map((s) => (
              <li key={s.image.reference}>
                <svg width="12" height="12" aria-hidden="true">
                  <rect width="12" height="12" className={`seg seg-${s.i % 6}`} />
                </svg>{' '}
                {s.image.reference} <span className="muted">{formatBytes(s.image.size)}</span>
              </li>
            ))}
          </ul>
          <p className="savings">
            Images add up to {formatBytes(perImage)}; the archive stores {manifest.blobs.length} distinct blobs of {formatBytes(stored)}
            {manifest.delta ? ` (${heldBlobs} more held offline)` : ''} — <strong>{formatBytes(saved)} saved by shared layers</strong>. Archive: {formatBytes(manifest.archive.size)} in {manifest.archive.parts.length}{' '}
            {manifest.archive.parts.length === 1 ? 'part' : 'parts'}
            {manifest.archive.parity ? ` + ${manifest.archive.parity.parts.length} parity` : ''}.
          </p>
          {manifest.delta ? <DeltaBar stored={stored} held={held} heldBlobs={heldBlobs} /> : null}
          <Carried manifest={manifest} />
        </figcaption>
      </figure>
    </section>
  );
}
