import { useLayoutEffect, useRef, useState } from 'react';
import type { BundleManifest, ImageRecord } from '../../../shared/bundle-manifest.js';
import { formatBytes, formatPlatformRecord } from '../../../shared/format.js';

/** From this many images on, only the rows in view (and a few around) are in the DOM. */
export const VIRTUALISE_FROM = 60;
/** Rows rendered above and below the visible ones. */
const OVERSCAN = 8;
/** Row height assumed until the first row is measured (px). */
const ROW_GUESS = 72;

/** The platforms an image carries, as users write them. */
function platformsOf(image: ImageRecord): string {
  const names = image.manifests.flatMap((m) => (m.platform ? [formatPlatformRecord(m.platform)] : []));
  return names.length > 0 ? names.join(', ') : '—';
}

/** One image: reference (and as written), original and carried digest, platforms, size. */
function ImageRow({ image, index, compact }: { image: ImageRecord; index: number; compact: boolean }) {
  return (
    <tr aria-rowindex={index + 2} className={compact ? 'row compact' : 'row'}>
      <th scope="row" className="reference" title={compact ? image.reference : undefined}>
        {image.reference}
        {image.source !== image.reference ? <span className="source">as written: {image.source}</span> : null}
      </th>
      <td className="digests" title={compact ? `original ${image.originalDigest}${image.digest !== image.originalDigest ? `, carried ${image.digest}` : ''}` : undefined}>
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
  );
}

/** Rows kept out of the DOM, as one empty row of their height (hidden from assistive technology: aria-rowcount gives the total). */
function Spacer({ height }: { height: number }) {
  if (height <= 0) return null;
  return (
    <tr aria-hidden="true" className="spacer">
      <td colSpan={4} style={{ height }} />
    </tr>
  );
}

/**
 * The images of a bundle: reference, original and carried digest, platforms and size. Long lists are
 * virtualised: a scrolling box renders only the rows in view, the table keeps `aria-rowcount` and each row its
 * `aria-rowindex`, so screen readers still hear "row 812 of 1201".
 */
export function ImageTable({ manifest }: { manifest: BundleManifest }) {
  const images = manifest.images;
  const virtual = images.length >= VIRTUALISE_FROM;
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(560);
  const [rowHeight, setRowHeight] = useState(ROW_GUESS);

  useLayoutEffect(() => {
    const el = box.current;
    if (!virtual || !el) return;
    const row = el.querySelector<HTMLTableRowElement>('tbody tr.row');
    if (row && row.offsetHeight > 0 && row.offsetHeight !== rowHeight) setRowHeight(row.offsetHeight);
    const measure = (): void => setViewport(el.clientHeight || 560);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [virtual, rowHeight]);

  if (images.length === 0) return <p className="empty">This bundle carries no images.</p>;

  const first = virtual ? Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN) : 0;
  const last = virtual ? Math.min(images.length, Math.ceil((scrollTop + viewport) / rowHeight) + OVERSCAN) : images.length;
  const table = (
    <table className={virtual ? 'images virtual' : 'images'} aria-rowcount={images.length + 1}>
      <caption>Images ({images.length})</caption>
      <thead>
        <tr aria-rowindex={1}>
          <th scope="col">Reference</th>
          <th scope="col">Digests</th>
          <th scope="col">Platforms</th>
          <th scope="col" className="num">
            Size
          </th>
        </tr>
      </thead>
      <tbody>
        {virtual ? <Spacer height={first * rowHeight} /> : null}
        {images.slice(first, last).map((image, i) => (
          <ImageRow key={`${first + i}:${image.reference}@${image.digest}`} image={image} index={first + i} compact={virtual} />
        ))}
        {virtual ? <Spacer height={(images.length - last) * rowHeight} /> : null}
      </tbody>
    </table>
  );
  if (!virtual) return table;
  return (
    <div
      ref={box}
      className="image-scroll"
      tabIndex={0}
      role="region"
      aria-label={`Images (${images.length}), scrollable`}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      {table}
    </div>
  );
}
