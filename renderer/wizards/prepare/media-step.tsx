import { formatBytes } from '../../../shared/format.js';
import { ErrorMessage } from '../../components/error-message.js';
import { ProgressBar } from '../../components/progress-bar.js';
import { usePrepare } from '../../store/stores-context.js';

/** Write to media: pick drives (or type folders), see the volume plan, write and read back with progress. */
export function MediaStep() {
  const volumes = usePrepare((s) => s.volumes);
  const all = usePrepare((s) => s.allVolumes);
  const listing = usePrepare((s) => s.listingVolumes);
  const list = usePrepare((s) => s.listVolumes);
  const targets = usePrepare((s) => s.targets);
  const toggle = usePrepare((s) => s.toggleTarget);
  const extra = usePrepare((s) => s.extraTargets);
  const setExtra = usePrepare((s) => s.setExtraTargets);
  const capacity = usePrepare((s) => s.capacity);
  const setCapacity = usePrepare((s) => s.setCapacity);
  const planning = usePrepare((s) => s.planning);
  const plan = usePrepare((s) => s.plan);
  const planMedia = usePrepare((s) => s.planMedia);
  const error = usePrepare((s) => s.mediaError);
  const write = usePrepare((s) => s.mediaWrite);
  const writeMedia = usePrepare((s) => s.writeMedia);
  const cancel = usePrepare((s) => s.cancelMediaWrite);
  return (
    <section aria-labelledby="step-media" className="step media">
      <h2 id="step-media">Write to media</h2>
      <div className="actions">
        <button type="button" className="secondary" onClick={() => void list()} disabled={listing}>
          {listing ? 'Looking…' : volumes ? 'Refresh drives' : 'Find drives'}
        </button>
        <label>
          <input type="checkbox" checked={all} onChange={(e) => void list(e.target.checked)} /> Show every mounted volume, not only removable ones
        </label>
      </div>
      {volumes && volumes.length === 0 ? <p className="empty">No {all ? '' : 'removable '}drives found: plug one in and press Refresh, or type a folder below.</p> : null}
      {volumes && volumes.length > 0 ? (
        <ul className="volumes" aria-label="Drives">
          {volumes.map((v) => {
            const mount = v.mount;
            return (
              <li key={v.device || mount || v.label}>
                <label>
                  <input type="checkbox" checked={mount !== null && targets.includes(mount)} onChange={() => mount !== null && toggle(mount)} disabled={v.readOnly || mount === null} /> {v.label || mount || v.device}{' '}
                  <span className="muted">
                    {mount ?? 'not mounted'} · {v.fsType || 'unknown file system'} · {v.free === null ? '' : `${formatBytes(v.free)} free of `}
                    {formatBytes(v.capacity)}
                    {v.readOnly ? ' · read-only' : ''}
                  </span>
                </label>
              </li>
            );
          })}
        </ul>
      ) : null}
      <div className="field">
        <label htmlFor="extra-targets">Folders</label>
        <textarea id="extra-targets" rows={2} value={extra} onChange={(e) => setExtra(e.target.value)} placeholder="/media/STICK1 (one per line)" spellCheck={false} />
      </div>
      <div className="field">
        <label htmlFor="capacity">Use at most per drive</label>
        <input id="capacity" type="text" className="short" value={capacity} onChange={(e) => setCapacity(e.target.value)} placeholder="free space" spellCheck={false} />
        <button type="button" onClick={() => void planMedia()} disabled={planning}>
          {planning ? 'Planning…' : 'Plan'}
        </button>
      </div>
      {error ? <ErrorMessage error={error} /> : null}
      {plan ? (
        <div className={`plan ${plan.ok ? 'ok' : 'bad'}`}>
          <h3>Plan: {plan.summary}</h3>
          <ol aria-label="Volume plan">
            {plan.volumes.map((v) => (
              <li key={v.path}>
                {v.path}: {v.parts.map((p) => p.name).join(', ') || 'no parts'} <span className="muted">({formatBytes(v.bytes)} of {formatBytes(v.usable)} usable)</span>
              </li>
            ))}
          </ol>
          {plan.problems.length > 0 ? (
            <ul className="faults" aria-label="Plan problems">
              {plan.problems.map((p) => (
                <li key={p.message}>{p.message}</li>
              ))}
            </ul>
          ) : null}
          {plan.notes.map((n) => (
            <p key={n} className="hint">
              {n}
            </p>
          ))}
          <div className="actions">
            <button type="button" onClick={() => void writeMedia()} disabled={!plan.ok || write.status === 'running'}>
              Write and read back
            </button>
            {write.status === 'running' ? (
              <button type="button" className="secondary" onClick={cancel}>
                Cancel
              </button>
            ) : null}
          </div>
        </div>
      ) : null}
      {write.status === 'running' ? <ProgressBar label="Media progress" progress={write.progress} /> : null}
      {write.status === 'failed' ? <ErrorMessage error={write.error} /> : null}
      {write.status === 'done' ? (
        <div className={`verdict ${write.result.ok ? 'ok' : 'bad'}`} role="status">
          <h3>{write.result.ok ? `Written and read back: ${write.result.volumes.length} ${write.result.volumes.length === 1 ? 'volume' : 'volumes'} intact` : 'Some volumes did not read back intact'}</h3>
          <ul aria-label="Volumes written">
            {write.result.volumes.map((v) => (
              <li key={v.path}>
                {v.ok ? '✓' : '✗'} {v.path}: {v.parts.join(', ')}
                {v.readBack.filter((b) => !b.ok).map((b) => ` — ${b.name}: ${b.problem ?? 'bad'}`)}
              </li>
            ))}
          </ul>
          {!write.result.readBackDirect ? <p className="hint">The read-back could not bypass the page cache everywhere; it may have read cached data.</p> : null}
        </div>
      ) : null}
    </section>
  );
}
