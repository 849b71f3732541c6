import { formatBytes } from '../../../shared/format.js';
import { ErrorMessage } from '../../components/error-message.js';
import { ProgressBar } from '../../components/progress-bar.js';
import type { BuildItem } from '../../store/prepare-store.js';
import { usePrepare } from '../../store/stores-context.js';

function Items({ items }: { items: BuildItem[] }) {
  if (items.length === 0) return null;
  return (
    <ul className="build-items" aria-label="Images, charts and files in this build">
      {items.map((i) => (
        <li key={i.name} className={i.done && i.phase === 'fetch' ? 'ok' : ''}>
          <span className="mark" aria-hidden="true">
            {i.done && i.phase === 'fetch' ? '✓' : '…'}
          </span>{' '}
          {i.name} <span className="muted">{i.done && i.phase === 'fetch' ? 'fetched' : i.phase === 'resolve' ? (i.done ? 'resolved' : 'resolving') : 'fetching'}</span>
          {i.bytes !== undefined ? <span className="muted"> · {formatBytes(i.bytes)}</span> : null}
        </li>
      ))}
    </ul>
  );
}

/** What the bundle will hold, for the Build button (`2 images, 1 chart, 1 file`). */
export function buildCounts(images: number, charts: number, files: number): string {
  const part = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;
  return [part(images, 'image'), ...(charts > 0 ? [part(charts, 'chart')] : []), ...(files > 0 ? [part(files, 'file')] : [])].join(', ');
}

/** Step 4: build the bundle with one overall progress bar, per-image rows and Cancel. */
export function BuildStep() {
  const build = usePrepare((s) => s.build);
  const count = usePrepare((s) => s.references.length);
  const charts = usePrepare((s) => s.charts.length);
  const files = usePrepare((s) => s.files.length);
  const optionsError = usePrepare((s) => s.optionsError);
  const start = usePrepare((s) => s.startBuild);
  const cancel = usePrepare((s) => s.cancelBuild);
  const restored = usePrepare((s) => s.restored);
  const running = build.status === 'running';
  return (
    <section aria-labelledby="step-build" className="step build">
      <h2 id="step-build">4. Build</h2>
      <div className="actions">
        <button type="button" onClick={() => void start()} disabled={running}>
          {running ? 'Building…' : `Build bundle (${buildCounts(count, charts, files)})`}
        </button>
        {running ? (
          <button type="button" className="secondary" onClick={cancel} disabled={build.cancelling}>
            {build.cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        ) : null}
      </div>
      {restored && build.status === 'idle' ? (
        <p className="hint resumed" role="status">
          Your list and options from the last session are back. Build bundle to resume: blobs already fetched come from the cache, only the missing ones are fetched.
        </p>
      ) : null}
      {optionsError ? <ErrorMessage error={optionsError} /> : null}
      {running ? <ProgressBar label="Build progress" progress={build.progress} /> : null}
      {build.status === 'failed' && build.cancelled ? (
        <div className="cancelled" role="status">
          <strong>Build cancelled.</strong> Nothing in the output folder looks complete (no bundle.json, no SHA256SUMS). Build again to resume: blobs already fetched come from the cache.
        </div>
      ) : null}
      {build.status === 'failed' && !build.cancelled ? <ErrorMessage error={build.error} /> : null}
      {build.status !== 'idle' && build.status !== 'done' ? <Items items={build.items} /> : null}
      {build.status === 'done' ? (
        <p className="done" role="status">
          ✓ Bundle {build.summary.manifest.id} built in {build.summary.dir} ({formatBytes(build.summary.stats.bytes)}, {formatBytes(build.summary.stats.bytesFromCache)} from the cache, {build.summary.stats.seconds.toFixed(1)} s).
        </p>
      ) : null}
    </section>
  );
}
