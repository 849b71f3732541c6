import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { formatBytes } from '../../../shared/format.js';
import type { SerializedError } from '../../../shared/errors.js';
import type { DeltaPlanImage } from '../../../shared/api-contract.js';
import { appHint } from '../../components/error-hints.js';
import { ShowMeButton } from '../../components/error-message.js';
import { useVirtualRows } from '../../components/virtual-rows.js';
import { usePrepare } from '../../store/stores-context.js';
import { deltaPlanOf, LOGIN_CODES, platformIssue, registryOf, type PrepareProblem, type Resolution } from '../../store/prepare-store.js';
import { PlatformPopover } from './platform-popover.js';

/** Height of one row in pixels (fixed, so the list can be virtualised). */
export const ROW_HEIGHT = 64;

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
      return `${error.message} ${appHint(error.hint, 'prepare')?.text ?? 'For a plain-HTTP registry add its host to Insecure registries, then press Retry.'}`;
    case 'cancelled':
      return 'Lookup stopped: press Retry to look it up again.';
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

/** The chosen platforms against what one resolved row has: an error when it has none, a warning when it lacks some. */
function PlatformNote({ reference }: { reference: string }) {
  const missing = usePrepare((s) => s.missing);
  const overrides = usePrepare((s) => s.overrides);
  const defaultPlatforms = usePrepare((s) => s.defaultPlatforms);
  const required = usePrepare((s) => s.allPlatformsRequired);
  const issue = platformIssue({ missing, overrides, defaultPlatforms }, reference);
  if (!issue) return null;
  if (issue.kind === 'none') {
    return (
      <span className="status bad platform-note">
        {' '}
        ✗ has none of the chosen platforms ({issue.missing.join(', ')}): not carried
      </span>
    );
  }
  return required ? (
    <span className="status bad platform-note"> ✗ lacks {issue.missing.join(', ')}</span>
  ) : (
    <span className="warn platform-note" role="note">
      {' '}
      ⚠ carried without {issue.missing.join(', ')}
    </span>
  );
}

/** The image rows: only the visible ones are in the DOM (one virtual list), so a list of thousands stays smooth. */
export function ImageList() {
  const references = usePrepare((s) => s.references);
  const resolutions = usePrepare((s) => s.resolutions);
  const overrides = usePrepare((s) => s.overrides);
  const problems = usePrepare((s) => s.problems);
  const openLogin = usePrepare((s) => s.openLogin);
  const carriedErrors = usePrepare((s) => s.references.filter((r) => platformIssue(s, r)?.kind === 'none').length);
  const plan = usePrepare((s) => deltaPlanOf(s));
  const planned = useMemo(() => new Map((plan?.images ?? []).map((i) => [i.reference, i])), [plan]);
  const rowProblems = useMemo(() => new Map(problems.filter((p): p is PrepareProblem & { reference: string } => p.reference !== undefined).map((p) => [p.reference, p.message])), [problems]);
  const view = useRef<HTMLDivElement>(null);
  const wrap = useRef<HTMLDivElement>(null);
  const windowList = useRef<HTMLUListElement>(null);
  const rows = useVirtualRows({ box: view, count: references.length, rowHeight: ROW_HEIGHT });
  const [editing, setEditing] = useState<string | undefined>();

  // sizes through the CSSOM (the CSP allows no style attributes in markup)
  view.current?.style.setProperty('--rows-height', `${references.length * ROW_HEIGHT}px`);
  windowList.current?.style.setProperty('--offset', `${rows.before}px`);

  const counts = { ok: 0, error: carriedErrors, busy: 0 };
  for (const r of references) {
    const s = resolutions[r]?.status;
    if (s === 'ok') counts.ok++;
    else if (s === 'error') counts.error++;
    else counts.busy++;
  }
  counts.ok -= carriedErrors;

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
    <div className="image-list" ref={wrap}>
      <p className="list-summary" aria-live="polite">
        {references.length} {references.length === 1 ? 'image' : 'images'}: {counts.ok} resolved, {counts.error} with errors{counts.busy > 0 ? `, ${counts.busy} resolving` : ''}.
      </p>
      <div ref={view} className="image-rows" tabIndex={0} role="region" aria-label="Image rows (scroll with the arrow keys)" onScroll={rows.onScroll} onKeyDown={onKeyDown}>
        <div className="image-rows-inner">
          <ul ref={windowList} aria-label="Images" className="image-window" data-first={rows.first}>
            {references.slice(rows.first, rows.last).map((reference, i) => {
              const resolution = resolutions[reference];
              const own = overrides[reference];
              const problem = rowProblems.get(reference);
              const inError = resolution?.status === 'error' || problem !== undefined;
              return (
                <li key={reference} className={`image-row${inError ? ' bad' : ''}`} data-index={rows.first + i}>
                  <div className="line1">
                    <span className="ref">{reference}</span>
                    <button type="button" className="secondary small" data-platforms-for={reference} aria-haspopup="dialog" aria-label={`Platforms for ${reference}`} aria-expanded={editing === reference} onClick={() => setEditing(editing === reference ? undefined : reference)}>
                      {own ? `Platforms: ${own.join(', ')}` : 'Platforms…'}
                    </button>
                  </div>
                  <div className="line2">
                    {resolution?.status === 'error' && LOGIN_CODES.includes(resolution.error.code) ? (
                      <button type="button" className="secondary small login" onClick={() => openLogin(registryOf(reference))} aria-haspopup="dialog" aria-label={`Log in to ${registryOf(reference)} for ${reference}`}>
                        Log in…
                      </button>
                    ) : null}{' '}
                    {resolution?.status === 'error' ? <ShowMeButton error={resolution.error} surface="prepare" label={`Show me how to fix ${reference}`} /> : null}
                    {problem !== undefined && resolution?.status !== 'error' && resolution?.status !== 'ok' ? (
                      <span className="status bad row-problem" title={problem}>
                        ✗ {problem}
                      </span>
                    ) : (
                      <Status resolution={resolution} />
                    )}
                    {resolution?.status === 'ok' ? <DeltaBytes plan={planned.get(reference)} /> : null}
                    {resolution?.status === 'ok' ? <PlatformNote reference={reference} /> : null}
                  </div>
                </li>
              );
            })}
          </ul>
        </div>
      </div>
      {editing !== undefined && references.includes(editing) ? <PlatformPopover reference={editing} container={wrap} list={view} onClose={() => setEditing(undefined)} /> : null}
    </div>
  );
}
