import { useShallow } from 'zustand/react/shallow';
import { formatBytes } from '../../../shared/format.js';
import { ErrorMessage } from '../../components/error-message.js';
import { WarningList } from '../../components/warning-list.js';
import { deltaPlanOf, type HeldSource } from '../../store/prepare-store.js';
import { usePrepare } from '../../store/stores-context.js';

/** One line about an inventory or old bundle as the host read it (`bundle 5f0c…, 12 blobs, made …`). */
export function describeHeld(h: HeldSource): string {
  const what = h.kind === 'bundle' ? `bundle ${h.bundleId ?? ''}`.trim() : h.kind === 'inventory' ? 'inventory' : 'not read yet';
  const parts = [what, h.blobs !== undefined ? `${h.blobs} ${h.blobs === 1 ? 'blob' : 'blobs'} held` : '', h.created ? `made ${h.created}` : '', h.signer ? `signed by key ${h.signer.slice(0, 16)}` : ''];
  return parts.filter((p) => p !== '').join(', ');
}

/** The totals of the plan: what the bundle will carry of the images' full size, and what stays behind. */
function PlanSummary() {
  const { plan, state, have } = usePrepare(useShallow((s) => ({ plan: deltaPlanOf(s), state: s.deltaPlan.status, have: s.have.length })));
  const error = usePrepare((s) => (s.deltaPlan.status === 'failed' ? s.deltaPlan.error : undefined));
  if (have === 0) return null;
  if (error) return <ErrorMessage error={error} />;
  return (
    <div aria-live="polite">
      {plan && plan.images.length > 0 ? (
        <p className="delta-summary">
          {state === 'running' ? <span className="muted">(updating) </span> : null}
          The bundle will carry <strong>{formatBytes(plan.newBytes)}</strong> of {formatBytes(plan.totalBytes)} for {plan.images.length} {plan.images.length === 1 ? 'image' : 'images'}:{' '}
          <strong>{formatBytes(plan.heldBytes)} held offline</strong> ({plan.heldBlobs} {plan.heldBlobs === 1 ? 'blob' : 'blobs'}) stays behind.
        </p>
      ) : (
        <p className="hint">{state === 'running' ? 'Working out what the offline side lacks…' : 'Once every row has resolved, each shows the bytes the offline side lacks against its total.'}</p>
      )}
      {plan ? <WarningList warnings={plan.warnings} /> : null}
    </div>
  );
}

/** Step 1's "Only carry what the offline side lacks": inventories and old bundle folders, each read by the host when added. */
export function DeltaHoldings() {
  const s = usePrepare(
    useShallow((p) => ({
      have: p.have,
      haveText: p.haveText,
      haveError: p.haveError,
      checking: p.checkingHave,
      haveKey: p.haveKey,
      setHaveText: p.setHaveText,
      addHave: p.addHave,
      removeHave: p.removeHave,
      setHaveKey: p.setHaveKey,
    })),
  );
  return (
    <section aria-labelledby="delta-title" className="delta-holdings">
      <h3 id="delta-title">Only carry what the offline side lacks</h3>
      <p id="have-hint" className="hint">
        Load what the offline side already holds: an inventory (made there, or saved by an import) or the folder of a bundle already carried across. Blobs held there are neither fetched nor carried: the bundle becomes a
        delta, imported on top of them.
      </p>
      <form
        className="field"
        onSubmit={(e) => {
          e.preventDefault();
          void s.addHave();
        }}
      >
        <label htmlFor="have-path">Inventory or old bundle folder</label>
        <input
          id="have-path"
          type="text"
          value={s.haveText}
          onChange={(e) => s.setHaveText(e.target.value)}
          placeholder="/media/usb/inventory.json or /media/usb/last-week"
          aria-describedby="have-hint"
          aria-invalid={s.haveError ? true : undefined}
          spellCheck={false}
          autoComplete="off"
        />
        <button type="submit" className="secondary" disabled={s.checking}>
          {s.checking ? 'Reading…' : 'Add inventory or bundle'}
        </button>
      </form>
      {s.haveError ? <ErrorMessage error={s.haveError} /> : null}
      {s.have.length > 0 ? (
        <ul className="chips" aria-label="Held offline">
          {s.have.map((h) => (
            <li key={h.path} className="chip">
              <span className="chip-path" title={h.path}>
                {h.path}
              </span>
              <span className="chip-detail muted">{describeHeld(h)}</span>
              <button type="button" className="secondary small" onClick={() => s.removeHave(h.path)} aria-label={`Remove ${h.path}`}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="empty">Nothing loaded: the bundle carries every blob (a complete bundle).</p>
      )}
      {s.have.length > 0 ? (
        <div className="field">
          <label htmlFor="have-key">Require a signature by</label>
          <input
            id="have-key"
            type="text"
            value={s.haveKey}
            onChange={(e) => s.setHaveKey(e.target.value)}
            placeholder="optional: /home/me/keys/site.pub"
            aria-describedby="have-key-hint"
            spellCheck={false}
            autoComplete="off"
          />
          <span id="have-key-hint" className="hint">
            A public key file (.pub): each inventory must carry a valid signature by it (inventory.json.sig), each old bundle a preparer signature. Empty: not checked.
          </span>
        </div>
      ) : null}
      <PlanSummary />
    </section>
  );
}
