import { useLayoutEffect, useRef } from 'react';
import type { BundleManifest, ImageRecord } from '../../../shared/bundle-manifest.js';
import { formatBytes, formatPlatformRecord } from '../../../shared/format.js';
import { useVirtualRows } from '../../components/virtual-rows.js';
import { BreakableName } from './breakable-name.js';

/** From this many images on, only the rows in view (and a few around) are in the DOM. */
export const VIRTUALISE_FROM = 60;
/** Row height assumed until the first row is measured (px). */
const ROW_GUESS = 72;

/** The platforms an image carries, as users write them. */
function platformsOf(image: ImageRecord): string {
  const names = image.manifests.flatMap((m) => (m.platform ? [formatPlatformRecord(m.platform)] : []));
  return names.length > 0 ? names.join(', ') : '—';
}

/** The warning on an image carried without some platforms asked for. */
export function missingPlatformsText(missing: string[]): string {
  return `not carried for ${missing.join(', ')}: nodes of ${missing.length === 1 ? 'that platform' : 'those platforms'} cannot run it`;
}

/** One image: reference (and as written), original and carried digest, platforms (and those it lacks), size. */
function ImageRow({ image, index, compact }: { image: ImageRecord; index: number; compact: boolean }) {
  const missing = image.missingPlatforms ?? [];
  return (
    <tr aria-rowindex={index + 2} className={`${compact ? 'row compact' : 'row'}${missing.length > 0 ? ' lacks-platform' : ''}`}>
      <th scope="row" className="reference" title={compact ? image.reference : undefined}>
        <BreakableName text={image.reference} />
        {image.source !== image.reference ? (
          <span className="source">
            as written: <BreakableName text={image.source} />
          </span>
        ) : null}
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
      <td title={compact && missing.length > 0 ? missingPlatformsText(missing) : undefined}>
        {platformsOf(image)}
        {missing.length > 0 ? (
          <span className="warn missing-platforms" role="note">
            {' '}
            ⚠ {missingPlatformsText(missing)}
          </span>
        ) : null}
      </td>
      <td className="num">{formatBytes(image.size)}</td>
    </tr>
  );
}

/** Rows kept out of the DOM, as one empty row of their height (hidden from assistive technology: aria-rowcount gives the total). */
function Spacer({ height }: { height: number }) {
  const cell = useRef<HTMLTableCellElement>(null);
  // the size through the CSSOM: the CSP allows no style attributes in markup
  useLayoutEffect(() => cell.current?.style.setProperty('height', `${height}px`), [height]);
  if (height <= 0) return null;
  return (
    <tr aria-hidden="true" className="spacer">
      <td colSpan={4} ref={cell} />
    </tr>
  );
}

/**
 * The images of a bundle: reference, original and carried digest, platforms and size. Long lists are
 * virtualised (the app's one virtual list, `useVirtualRows`): a scrolling box renders only the rows in view, the
 * table keeps `aria-rowcount` and each row its `aria-rowindex`, so screen readers still hear "row 812 of 1201".
 */
export function ImageTable({ manifest }: { manifest: BundleManifest }) {
  const images = manifest.images;
  const virtual = images.length >= VIRTUALISE_FROM;
  const box = useRef<HTMLDivElement>(null);
  const rows = useVirtualRows({ box, count: images.length, rowHeight: ROW_GUESS, from: VIRTUALISE_FROM, measure: 'tbody tr.row' });

  if (images.length === 0) return <p className="empty">This bundle carries no images.</p>;

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
        {virtual ? <Spacer height={rows.before} /> : null}
        {images.slice(rows.first, rows.last).map((image, i) => (
          <ImageRow key={`${rows.first + i}:${image.reference}@${image.digest}`} image={image} index={rows.first + i} compact={virtual} />
        ))}
        {virtual ? <Spacer height={rows.after} /> : null}
      </tbody>
    </table>
  );
  if (!virtual) return table;
  return (
    <div ref={box} className="image-scroll" tabIndex={0} role="region" aria-label={`Images (${images.length}), scrollable`} onScroll={rows.onScroll}>
      {table}
    </div>
  );
}
