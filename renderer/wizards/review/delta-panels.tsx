import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import { deltaNumbers, describeDeltaBase } from '../../../shared/delta.js';
import type { DiffImage, DiffImageSide, DiffReport, DiffSide } from '../../../shared/diff-report.js';
import { formatBytes } from '../../../shared/format.js';
import { ErrorMessage } from '../../components/error-message.js';
import { WarningList } from '../../components/warning-list.js';
import { useReview } from '../../store/stores-context.js';

/** "Delta: relies on N blobs (X) held offline; not loadable alone", with what it carries and what it was made against. */
export function DeltaLabel({ manifest }: { manifest: BundleManifest }) {
  const n = deltaNumbers(manifest);
  if (!n || !manifest.delta) return null;
  return (
    <div className="delta-label" role="note" aria-labelledby="delta-label-title">
      <p id="delta-label-title">
        <strong>
          Delta: relies on {n.blobsHeld} {n.blobsHeld === 1 ? 'blob' : 'blobs'} ({formatBytes(n.bytesHeld)}) held offline; not loadable alone.
        </strong>
      </p>
      <p>
        It carries {formatBytes(n.bytesCarried)} of the {formatBytes(n.bytesCarried + n.bytesHeld)} its images need. Made against:
      </p>
      <ul className="delta-against" aria-label="Made against">
        {manifest.delta.against.map((base) => (
          <li key={base.sha256}>{describeDeltaBase(base)}</li>
        ))}
      </ul>
      <p className="hint">
        Its archive lacks the blobs the offline side already holds, so docker load and ctr import cannot take it alone. It is imported on top of them: into a registry that holds them, or into a k3s/k0s folder or containerd together with its
        base bundles.
      </p>
    </div>
  );
}

/** An OLD or NEW side in words: `bundle 5f0c… made …` or `inventory sha256 9a1b… made …`. */
function sideText(side: DiffSide): string {
  const what = side.kind === 'bundle' ? `bundle ${side.bundleId ?? ''}`.trim() : `inventory sha256 ${side.sha256.slice(0, 16)}…`;
  return `${what} (${side.path}), made ${side.created}`;
}

/** One side's digest, labelled. */
function Digest({ label, side }: { label: string; side: DiffImageSide }) {
  return (
    <span className="diff-digest">
      <span className="digest-label">{label}</span> <code className="digest">{side.digest}</code>
    </span>
  );
}

/** The platforms of an image as the newer side has them (an inventory records none: unknown). */
function platformsOf(image: DiffImage): string {
  const side = image.new ?? image.old;
  if (!side || side.platforms === null) return 'unknown';
  return side.platforms.length > 0 ? side.platforms.join(', ') : '—';
}

/** The bytes the open bundle brings for an image against its total. */
function newBytesOf(image: DiffImage): string {
  if (image.change === 'removed' || image.newBytes === undefined) return '—';
  if (image.newBytes === null) return 'unknown';
  return image.totalBytes === null || image.totalBytes === undefined ? formatBytes(image.newBytes) : `${formatBytes(image.newBytes)} of ${formatBytes(image.totalBytes)}`;
}

/** The diff as a compact table: change, image, digests, platforms, new bytes. */
function DiffTable({ report }: { report: DiffReport }) {
  const c = report.counts;
  return (
    <div className="diff-report">
      <p className="diff-summary" role="status">
        Against {sideText(report.old)}: <strong>{c.added} added</strong>, <strong>{c.changed} changed</strong>, {c.removed} removed, {c.unchanged} unchanged; {report.blobsAdded.count} new{' '}
        {report.blobsAdded.count === 1 ? 'blob' : 'blobs'} ({formatBytes(report.blobsAdded.bytes)}).
      </p>
      {report.notes.length > 0 ? (
        <ul className="diff-notes hint" aria-label="Notes">
          {report.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      ) : null}
      <WarningList warnings={report.warnings} />
      <table className="images compact diff">
        <caption>What changed ({report.images.length} images)</caption>
        <thead>
          <tr>
            <th scope="col">Change</th>
            <th scope="col">Image</th>
            <th scope="col">Digest</th>
            <th scope="col">Platforms</th>
            <th scope="col" className="num">
              New bytes
            </th>
          </tr>
        </thead>
        <tbody>
          {report.images.map((image) => (
            <tr key={`${image.change}:${image.name}`} className={`change-${image.change}`}>
              <td>
                <span className={`change change-${image.change}`}>{image.change}</span>
              </td>
              <th scope="row" className="reference">
                {image.name}
                {image.otherTagsInOld?.length ? <span className="source">older: {image.otherTagsInOld.join(', ')}</span> : null}
                {image.matchedByPath ? <span className="source">matched by repository path</span> : null}
              </th>
              <td className="digests">
                {image.change === 'changed' && image.old && image.new ? (
                  <>
                    <Digest label="old" side={image.old} />
                    <br />
                    <Digest label="new" side={image.new} />
                  </>
                ) : image.new ? (
                  <Digest label={image.change === 'unchanged' ? 'same' : 'new'} side={image.new} />
                ) : image.old ? (
                  <Digest label="old" side={image.old} />
                ) : null}
              </td>
              <td>{platformsOf(image)}</td>
              <td className="num">{newBytesOf(image)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** "What changed": the open bundle against an older bundle or an inventory of the offline side (`ferry diff OLD NEW`). */
export function WhatChanged() {
  const diffPath = useReview((s) => s.diffPath);
  const setDiffPath = useReview((s) => s.setDiffPath);
  const compare = useReview((s) => s.compare);
  const diff = useReview((s) => s.diff);
  return (
    <section aria-labelledby="diff-title" className="what-changed">
      <h2 id="diff-title">What changed</h2>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void compare();
        }}
      >
        <label htmlFor="diff-old">Older bundle or inventory</label>
        <input id="diff-old" type="text" value={diffPath} onChange={(e) => setDiffPath(e.target.value)} placeholder="/media/usb/last-week or /media/usb/inventory.json" spellCheck={false} autoComplete="off" aria-describedby="diff-old-hint" />
        <button type="submit" disabled={diff.status === 'running'}>
          {diff.status === 'running' ? 'Comparing…' : 'Compare'}
        </button>
        <p id="diff-old-hint" className="hint">
          The previous bundle carried across (its folder or bundle.json), or an inventory of the offline side: each image is listed as added, changed, removed or unchanged, with the bytes this bundle brings.
        </p>
      </form>
      <div aria-live="polite">
        {diff.status === 'failed' ? <ErrorMessage error={diff.error} /> : null}
        {diff.status === 'done' ? <DiffTable report={diff.result} /> : null}
      </div>
    </section>
  );
}
