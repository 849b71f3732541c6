import type { CreateBundleSummary } from '../../../shared/api-contract.js';
import { formatBytes } from '../../../shared/format.js';
import { ErrorMessage } from '../../components/error-message.js';
import { ProgressBar } from '../../components/progress-bar.js';
import type { ItemRow } from '../../store/job.js';
import { carriedReferences } from '../../store/prepare-store.js';
import { usePrepare } from '../../store/stores-context.js';
import { ProblemList } from './problem-list.js';

/** What one build row says: resolving, resolved, fetching, fetched, failed, or stopped (the build ended before it did). */
export function itemText(item: ItemRow): string {
  if (item.status === 'stopped') return 'stopped';
  if (item.status === 'failed') return `failed${item.detail ? `: ${item.detail}` : ''}`;
  if (item.phase === 'resolve') return item.status === 'done' ? 'resolved' : 'resolving';
  return item.status === 'done' ? 'fetched' : 'fetching';
}

function Items({ items }: { items: ItemRow[] }) {
  const shown = items.filter((i) => i.phase === 'resolve' || i.phase === 'fetch');
  // one row per image: its latest phase
  const byName = new Map<string, ItemRow>();
  for (const i of shown) byName.set(i.name, i);
  if (byName.size === 0) return null;
  return (
    <ul className="build-items" aria-label="Images, charts and files in this build">
      {[...byName.values()].map((i) => {
        const ok = i.status === 'done' && i.phase === 'fetch';
        return (
          <li key={i.name} className={ok ? 'ok' : i.status === 'stopped' || i.status === 'failed' ? 'stopped' : ''}>
            <span className="mark" aria-hidden="true">
              {ok ? '✓' : i.status === 'stopped' ? '■' : i.status === 'failed' ? '✗' : '…'}
            </span>{' '}
            {i.name} <span className="muted">{itemText(i)}</span>
            {i.bytes !== undefined ? <span className="muted"> · {formatBytes(i.bytes)}</span> : null}
          </li>
        );
      })}
    </ul>
  );
}

/** What the bundle will hold, for the Build button (`2 images, 1 chart, 1 file`). */
export function buildCounts(images: number, charts: number, files: number): string {
  const part = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;
  return [part(images, 'image'), ...(charts > 0 ? [part(charts, 'chart')] : []), ...(files > 0 ? [part(files, 'file')] : [])].join(', ');
}

/** "carries 12.3 MB of 410 MB; 397.7 MB held offline" for a delta (as `ferry bundle` says it). */
export function carriesText(stats: CreateBundleSummary['stats']): string {
  return `carries ${formatBytes(stats.bytes)} of ${formatBytes(stats.bytes + stats.bytesOmitted)}; ${formatBytes(stats.bytesOmitted)} held offline`;
}

/** The build's result line: where, how big, from the cache; for a delta what it carries of the whole. */
function BuildDone({ summary, askedForDelta }: { summary: CreateBundleSummary; askedForDelta: boolean }) {
  const { stats } = summary;
  const delta = stats.bytesOmitted > 0;
  return (
    <>
      {delta ? (
        <p className="done" role="status">
          ✓ Delta bundle {summary.manifest.id} built in {summary.dir}: {carriesText(stats)} ({stats.blobsOmitted} {stats.blobsOmitted === 1 ? 'blob' : 'blobs'} not carried); {formatBytes(stats.bytesFromCache)} from the cache, {stats.seconds.toFixed(1)} s.
        </p>
      ) : (
        <p className="done" role="status">
          ✓ Bundle {summary.manifest.id} built in {summary.dir} ({formatBytes(stats.bytes)}, {formatBytes(stats.bytesFromCache)} from the cache, {stats.seconds.toFixed(1)} s).
        </p>
      )}
      {askedForDelta && !delta ? <p className="hint">Nothing these images need is held offline according to what was loaded: the bundle carries everything and is not a delta.</p> : null}
    </>
  );
}

/** Step 4: build the bundle (everything checked first) with one overall progress bar, per-image rows and Cancel. */
export function BuildStep() {
  const build = usePrepare((s) => s.build);
  const count = usePrepare((s) => carriedReferences(s).length);
  const charts = usePrepare((s) => s.charts.filter((c) => !c.error).length);
  const files = usePrepare((s) => s.files.filter((f) => !f.error).length);
  const start = usePrepare((s) => s.startBuild);
  const cancel = usePrepare((s) => s.cancelBuild);
  const restored = usePrepare((s) => s.restored);
  const have = usePrepare((s) => s.have.length);
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
      <ProblemList />
      {running ? <ProgressBar label="Build progress" progress={build.progress} /> : null}
      {build.status === 'failed' && build.cancelled ? (
        <div className="cancelled" role="status">
          <strong>Build cancelled.</strong> Nothing in the output folder looks complete (no bundle.json, no SHA256SUMS). Build again to resume: blobs already fetched come from the cache.
        </div>
      ) : null}
      {build.status === 'failed' && !build.cancelled ? <ErrorMessage error={build.error} /> : null}
      {build.status !== 'idle' && build.status !== 'done' ? <Items items={build.items} /> : null}
      {build.status === 'done' ? <BuildDone summary={build.result} askedForDelta={have > 0} /> : null}
    </section>
  );
}
