import type { BundleManifest, ImageRecord } from '../../../shared/bundle-manifest.js';
import { formatBytes, formatPlatformRecord } from '../../../shared/format.js';

/** The platforms an image carries, as users write them. */
function platformsOf(image: ImageRecord): string {
  const names = image.manifests.flatMap((m) => (m.platform ? [formatPlatformRecord(m.platform)] : []));
  return names.length > 0 ? names.join(', ') : '—';
}

/** The images of a bundle: reference, original and carried digest, platforms and size. */
export function ImageTable({ manifest }: { manifest: BundleManifest }) {
  if (manifest.images.length === 0) return <p className="empty">This bundle carries no images.</p>;
  return (
    <table className="images">
      <caption>Images ({manifest.images.length})</caption>
      <thead>
        <tr>
          <th scope="col">Reference</th>
          <th scope="col">Digests</th>
          <th scope="col">Platforms</th>
          <th scope="col" className="num">
            Size
          </th>
        </tr>
      </thead>
      <tbody>
        {manifest.images.map((image) => (
          <tr key={`${image.reference}@${image.digest}`}>
            <th scope="row" className="reference">
              {image.reference}
              {image.source !== image.reference ? <span className="source">as written: {image.source}</span> : null}
            </th>
            <td className="digests">
              <span className="digest-label">original</span> <code className="digest">{image.originalDigest}</code>
              {image.digest !== image.originalDigest ? (
                <>
                  <br />
                  <span className="digest-label">carried</span> <code className="digest">{image.digest}</code>
                </>
              ) : (
                <span className="same"> (carried as published)</span>
              )}
            </td>
            <td>{platformsOf(image)}</td>
            <td className="num">{formatBytes(image.size)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
