import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { formatBytes } from '../../../shared/format.js';
import type { SerializedError } from '../../../shared/errors.js';
import { usePrepare } from '../../store/stores-context.js';
import type { DeltaPlanImage } from '../../../shared/api-contract.js';
import { deltaPlanOf, LOGIN_CODES, registryOf, type Resolution } from '../../store/prepare-store.js';

/** Height of one row in pixels (fixed, so the list can be virtualised). */
export const ROW_HEIGHT = 64;
/** Height of the list's viewport in pixels. */
const VIEW_HEIGHT = 320;
/** Rows rendered above and below the visible ones. */
const OVERSCAN = 4;

/** What a resolution error means for the user, and what to do next. */
export function resolveErrorText(error: SerializedError): string {
  switch (error.code) {
    case 'not-found':
      return `Not found: ${error.message}`;
    case 'unauthorized':
    case 'denied':
    case 'credentials':
      return `Needs credentials: ${error.message} Press Log in… (or use docker login on the machine running Ferry, then Retry).`;
    case 'bad-reference':
      return `Bad reference: ${error.message}`;
    case 'network':
    case 'tls':
    case 'timeout':
      return `${error.message} For a plain-HTTP registry add its host to Insecure registries, then press Retry.`;
    default:
      return error.message;
  }
}

function Status({ resolution }: { resolution: Resolution | undefined }) {
  if (!resolution || resolution.status === 'pending') return <span className="status muted">Waiting…</span>;
  if (resolution.status === 'resolving') return <span className="status muted">Resolving…</span>;
  if (resolution.status === 'error') {
    const text = resolveErrorText(resolution.error);
    return (
      <span className="status bad" title={text}>
        {text}
      </span>
    );
  }
  const r = resolution.result;
  return (
    <span className="status">
      <code className="digest" title={r.digest}>
        {r.digest.slice(0, 19)}…
      </code>{' '}
      · <span className="platforms">{r.platforms.length > 0 ? r.platforms.join(', ') : 'no platform information'}</span> · <span className="size">{formatBytes(r.compressedSize)}</span>
    </span>
  );
}

/** With holdings loaded: the bytes the offline side lacks against the image's total for its platforms. */
function DeltaBytes({ plan }: { plan: DeltaPlanImage | undefined }) {
  if (!plan || 'error' in plan) return null;
  const text = plan.newBytes === 0 ? `nothing new: all ${formatBytes(plan.totalBytes)} held offline` : `new ${formatBytes(plan.newBytes)} of ${formatBytes(plan.totalBytes)}`;
  return (
    <span className="delta-bytes" title={`The offline side lacks ${plan.newBlobs} of this image's ${plan.blobs} blobs for the chosen platforms (manifests included): ${formatBytes(plan.newBytes)} of ${formatBytes(plan.totalBytes)} is carried.`}>
      {' '}
      · {text}
    </span>
  );
}

/** The image rows: only the visible ones are in the DOM, so a list of thousands stays smooth. */
export function ImageList({ onEditPlatforms }: { onEditPlatforms: (reference: string) => void }) {
  const references = usePrepare((s) => s.references);
  const resolutions = usePrepare((s) => s.resolutions);
  const missing = usePrepare((s) => s.missing);
  const overrides = usePrepare((s) => s.overrides);
  const openLogin = usePrepare((s) => s.openLogin);
  const plan = usePrepare((s) => deltaPlanOf(s.deltaPlan));
  const planned = useMemo(() => new Map((plan?.images ?? []).map((i) => [i.reference, i])), [plan]);
  const [scrollTop, setScrollTop] = useState(0);
  const view = useRef<HTMLDivElement>(null);
  const windowList = useRef<HTMLUListElement>(null);

  // the full height, set through the CSSOM (the CSP allows no style attributes in markup)
  useEffect(() => {
    view.current?.style.setProperty('--rows-height', `${references.length * ROW_HEIGHT}px`);
  }, [references.length]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(references.length, Math.ceil((scrollTop + VIEW_HEIGHT) / ROW_HEIGHT) + OVERSCAN);
  const visible = references.slice(first, last);
  useEffect(() => {
    windowList.current?.style.setProperty('--offset', `${first * ROW_HEIGHT}px`);
  }, [first]);
  const counts = { ok: 0, error: 0, busy: 0 };
  for (const r of references) {
    const s = resolutions[r]?.status;
    if (s === 'ok') counts.ok++;
    else if (s === 'error') counts.error++;
    else counts.busy++;
  }

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    const el = view.current;
    if (!el || e.target !== el) return;
    const step = e.key === 'ArrowDown' ? ROW_HEIGHT : e.key === 'ArrowUp' ? -ROW_HEIGHT : e.key === 'End' ? Infinity : e.key === 'Home' ? -Infinity : 0;
    if (step === 0) return;
    e.preventDefault();
    el.scrollTop = Math.max(0, Math.min(el.scrollHeight, el.scrollTop + (Number.isFinite(step) ? step : step > 0 ? el.scrollHeight : -el.scrollHeight)));
  };

  if (references.length === 0) return <p className="empty">No images yet: paste references above (one per line) or load a list file.</p>;
  return (
    <>
      <p className="list-summary" aria-live="polite">
        {references.length} {references.length === 1 ? 'image' : 'images'}: {counts.ok} resolved, {counts.error} with errors{counts.busy > 0 ? `, ${counts.busy} resolving` : ''}.
      </p>
      <div
        ref={view}
        className="image-rows"
        tabIndex={0}
        role="region"
        aria-label="Image rows (scroll with the arrow keys)"
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        onKeyDown={onKeyDown}
      >
        <div className="image-rows-inner">
          <ul ref={windowList} aria-label="Images" className="image-window" data-first={first}>
            {visible.map((reference, i) => {
              const resolution = resolutions[reference];
              const lacks = missing[reference];
              const own = overrides[reference];
              return (
                <li key={reference} className={`image-row${resolution?.status === 'error' ? ' bad' : ''}`} data-index={first + i}>
                  <div className="line1">
                    <span className="ref">{reference}</span>
                    <button type="button" className="secondary small" onClick={() => onEditPlatforms(reference)} aria-label={`Platforms for ${reference}`}>
                      {own ? `Platforms: ${own.join(', ')}` : 'Platforms…'}
                    </button>
                  </div>
                  <div className="line2">
                    {resolution?.status === 'error' && LOGIN_CODES.includes(resolution.error.code) ? (
                      <button type="button" className="secondary small login" onClick={() => openLogin(registryOf(reference))} aria-haspopup="dialog" aria-label={`Log in to ${registryOf(reference)} for ${reference}`}>
                        Log in…
                      </button>
                    ) : null}{' '}
                    <Status resolution={resolution} />
                    {resolution?.status === 'ok' ? <DeltaBytes plan={planned.get(reference)} /> : null}
                    {lacks && lacks.length > 0 ? (
                      <span className="warn" role="note">
                        {' '}
                        ⚠ lacks {lacks.join(', ')}
                      </span>
                    ) : null}
                  </div>
                </li>
              );
            })}
          </ul>
        </div>
      </div>
    </>
  );
}
