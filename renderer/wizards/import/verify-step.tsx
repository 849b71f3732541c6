import { useRef, type RefObject } from 'react';
import type { IntegrityFault, SignatureCheck, VerifyReport } from '../../../shared/verify-report.js';
import { ErrorMessage } from '../../components/error-message.js';
import { IntegrityResult } from '../../components/integrity-result.js';
import { ProgressBar } from '../../components/progress-bar.js';
import { signerWords } from '../../components/signature-words.js';
import { useImport } from '../../store/stores-context.js';
import { useFocusOnFinish } from './focus-on-finish.js';
import { ItemRows } from './item-rows.js';

/** Signatures in the order a reader expects: the preparer, then the approvers, then unreadable ones. */
function byRole(signatures: SignatureCheck[]): SignatureCheck[] {
  return [...signatures.filter((s) => s.role === 'preparer'), ...signatures.filter((s) => s.role === 'approver'), ...signatures.filter((s) => s.role === 'unknown')];
}

/** "Intact · prepared by 1a2b… (trusted) · approved by 3c4d… (trusted)": who signed the bundle, by key, from the trust section. */
export function intactTitle(report: VerifyReport): string {
  const signatures = report.trust?.signatures ?? [];
  const checked = (report.trust?.trustedKeys?.length ?? 0) > 0;
  const said = byRole(signatures).map((s) => signerWords(s, checked));
  return ['Verdict: intact', ...(said.length > 0 ? said : ['not signed'])].join(' · ');
}

/** Where a missing part is, in the app's words: the volume holding it, or that none of the opened ones does. */
export function missingPartWords(fault: IntegrityFault, opened: number): string {
  const part = fault.part ?? fault.file ?? 'A part';
  const h = fault.holder;
  const volume = h?.volume !== undefined ? `volume ${h.volume}${h.volumes !== undefined ? ` of ${h.volumes}` : ''}` : undefined;
  if (h?.dir !== undefined) return `${part} belongs on ${volume ? `${volume} (${h.dir})` : h.dir}, which is open, but is not there: it was deleted or lost from that volume.`;
  if (volume) return `${part} is on ${volume}, which is not open: add that volume's folder (or choose it among the drives) and open the bundle again.`;
  return `${part} is not on any of the ${opened === 1 ? 'opened folder' : `${opened} opened volumes`}: open the volume that holds it too.`;
}

/** Repair: rebuild what parity can, in place for one folder or into a folder for the volumes of a set. */
function RepairPanel({ report }: { report: VerifyReport }) {
  const repair = useImport((s) => s.repair);
  const dirs = useImport((s) => s.dirs);
  const repairTo = useImport((s) => s.repairTo);
  const setRepairTo = useImport((s) => s.setRepairTo);
  const run = useImport((s) => s.repairBundle);
  const cancel = useImport((s) => s.cancelRepair);
  const advice = report.integrity.repair;
  if (!advice || advice.rebuildable === 0) return null;
  const running = repair.status === 'running';
  return (
    <div className="repair-panel">
      <p>
        Parity can rebuild {advice.lost.length === 1 ? `the lost part (${advice.lost[0]})` : `all ${advice.lost.length} lost parts (${advice.lost.join(', ')})`}; the rebuilt bytes are checked against bundle.json before they are kept.
      </p>
      {dirs.length > 1 ? (
        <div className="grid-form">
          <label htmlFor="import-repair-to">Repair into folder</label>
          <input id="import-repair-to" type="text" value={repairTo} onChange={(e) => setRepairTo(e.target.value)} placeholder="/srv/ferry/repaired" spellCheck={false} autoComplete="off" aria-describedby="import-repair-hint" />
          <p id="import-repair-hint" className="hint span">
            A new or empty folder: the volumes of the set are gathered there and repaired, then verified; the sticks stay as they are.
          </p>
        </div>
      ) : (
        <p className="hint">The part is rebuilt in place, in {dirs[0]}.</p>
      )}
      <div className="actions">
        <button type="button" onClick={() => void run()} disabled={running}>
          {running ? 'Repairing…' : 'Repair'}
        </button>
        {running ? (
          <button type="button" className="secondary" onClick={cancel}>
            Cancel repair
          </button>
        ) : null}
      </div>
      {repair.status === 'running' ? <ProgressBar label="Repair progress" progress={repair.progress} /> : null}
    </div>
  );
}

/** The last repair's outcome (it stays while the repaired bundle is verified again). */
function RepairResult() {
  const repair = useImport((s) => s.repair);
  if (repair.status === 'failed') return <ErrorMessage error={repair.error} />;
  if (repair.status !== 'done') return null;
  const r = repair.result;
  const rebuilt = r.damaged.filter((d) => d.rebuilt).map((d) => d.name);
  return (
    <div className={`verdict ${r.whole ? 'ok' : 'bad'} repair-result`} role="status">
      <h3>{r.whole ? `Repaired: ${rebuilt.length > 0 ? `rebuilt ${rebuilt.join(', ')}` : 'nothing was lost'}` : 'Not repaired'}</h3>
      <p>
        In <code>{r.dir}</code>
        {r.copied ? ` (the set gathered there: ${r.copied.length} files)` : ''}.{r.whole ? ' It is verified again below.' : ''}
      </p>
      {r.problems.length > 0 ? (
        <ul className="faults" aria-label="Repair problems">
          {r.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** The verdict: intact (and who signed, by key) or damaged, every fault, where missing parts are, and trust, policy and approval problems. */
function Verdict({ report, headingRef }: { report: VerifyReport; headingRef: RefObject<HTMLHeadingElement | null> }) {
  const { integrity } = report;
  const dirs = useImport((s) => s.dirs);
  const title = report.ok ? intactTitle(report) : !integrity.ok ? `Verdict: damaged (${integrity.faults.length} ${integrity.faults.length === 1 ? 'fault' : 'faults'})` : 'Verdict: not trusted';
  const trustProblems = report.trust && !report.trust.ok ? report.trust.problems : [];
  const policy = report.policy?.violations.map((v) => v.message) ?? [];
  const unsigned = report.cosign && !report.cosign.ok ? report.cosign.images.filter((c) => c.verdict !== 'signed-by-key').map((c) => `${c.image}: ${c.verdict}${c.problem ? ` (${c.problem})` : ''}`) : [];
  const missing = integrity.faults.filter((f) => f.kind === 'missing-file' && f.part !== undefined);
  const signers = !report.ok && report.trust ? byRole(report.trust.signatures).map((s) => signerWords(s, (report.trust?.trustedKeys?.length ?? 0) > 0)) : [];
  return (
    <div className={`verdict ${report.ok ? 'ok' : 'bad'}`}>
      <h3 ref={headingRef} tabIndex={-1} className="verdict-title">
        {title}
      </h3>
      {/* the app words the repair itself (Repair below), so the engine's advice is not repeated */}
      <IntegrityResult integrity={{ ...integrity, repair: undefined }} />
      {missing.length > 0 ? (
        <ul className="missing-parts" aria-label="Where the missing parts are">
          {missing.map((f) => (
            <li key={f.part}>{missingPartWords(f, dirs.length)}</li>
          ))}
        </ul>
      ) : null}
      {integrity.repair && integrity.repair.rebuildable === 0 ? <p className="repair">More parts are lost than parity can rebuild: copy the bundle again from its source (or open the volumes that hold the missing parts).</p> : null}
      <RepairPanel report={report} />
      {signers.length > 0 ? <p className="hint signers">Signatures: {signers.join(' · ')}</p> : null}
      {!report.trust && !report.cosign ? <p className="hint">Integrity only: no trusted keys were given, so signatures were not required.</p> : null}
      {report.trust && !report.trust.trustedKeys?.length && report.ok ? <p className="hint">No trusted keys were given: the signatures were checked, not required (Trust checks, above, names the keys to trust).</p> : null}
      {!report.trust && report.cosign ? <p className="hint">No trusted keys were given for the bundle's own signature; the images' cosign signatures were checked.</p> : null}
      {report.cosign?.ok ? <p className="hint">Every image carries a valid cosign signature by one of the given keys.</p> : null}
      {trustProblems.length > 0 || policy.length > 0 || unsigned.length > 0 ? (
        <ul className="faults" aria-label="Trust problems">
          {[...trustProblems, ...policy, ...unsigned].map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** "Require cosign signatures by these keys": one public key path a row, added and removed by keyboard. */
function CosignKeys() {
  const keys = useImport((s) => s.checks.cosignKeys);
  const add = useImport((s) => s.addCosignKey);
  const change = useImport((s) => s.setCosignKey);
  const remove = useImport((s) => s.removeCosignKey);
  return (
    <fieldset className="cosign-keys span-all" aria-describedby="import-cosign-hint">
      <legend>Require cosign signatures by these keys</legend>
      <p id="import-cosign-hint" className="hint">
        Public key files (PEM) on the Ferry host: nothing is imported unless every image carries a valid cosign signature by one of them.
      </p>
      {keys.map((key, i) => (
        <div className="key-row" key={i}>
          <input type="text" value={key} onChange={(e) => change(i, e.target.value)} aria-label={`Cosign public key ${i + 1}`} placeholder="/etc/ferry/cosign.pub" spellCheck={false} autoComplete="off" />
          <button type="button" className="secondary small" onClick={() => remove(i)} aria-label={`Remove cosign key ${i + 1}`}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" className="secondary small" onClick={add}>
        Add cosign key
      </button>
    </fieldset>
  );
}

/** Step 2: verify every part (with optional trusted keys, approval and policy) before anything is imported. */
export function VerifyStep() {
  const verify = useImport((s) => s.verify);
  const checks = useImport((s) => s.checks);
  const setChecks = useImport((s) => s.setChecks);
  const run = useImport((s) => s.verifyBundle);
  const cancel = useImport((s) => s.cancelVerify);
  const running = verify.status === 'running';
  const heading = useRef<HTMLHeadingElement>(null);
  const failed = useRef<HTMLDivElement>(null);
  useFocusOnFinish(verify.status, verify.status === 'failed' ? failed : heading);
  return (
    <section className="import-step" aria-labelledby="import-verify-title">
      <h2 id="import-verify-title">2. Verify</h2>
      <details className="checks-form">
        <summary>Trust checks (optional)</summary>
        <div className="grid-form">
          <label htmlFor="import-trusted-keys">Trusted public keys</label>
          <textarea id="import-trusted-keys" rows={2} value={checks.trustedKeys} onChange={(e) => setChecks({ trustedKeys: e.target.value })} placeholder="/etc/ferry/trusted/preparer.pub" spellCheck={false} aria-describedby="import-trusted-hint" />
          <p id="import-trusted-hint" className="hint span">
            One key file a line: the bundle must carry a valid signature by one of them.
          </p>
          <label htmlFor="import-policy">Policy file</label>
          <input id="import-policy" type="text" value={checks.policy} onChange={(e) => setChecks({ policy: e.target.value })} placeholder="/etc/ferry/policy.yaml" spellCheck={false} autoComplete="off" />
          <span />
          <label className="inline">
            <input type="checkbox" checked={checks.requireApproval} onChange={(e) => setChecks({ requireApproval: e.target.checked })} /> Require an approval by a second trusted key
          </label>
        </div>
        <CosignKeys />
      </details>
      <div className="actions">
        <button type="button" onClick={() => void run()} disabled={running}>
          {running ? 'Verifying…' : 'Verify'}
        </button>
        {verify.status === 'running' ? (
          <button type="button" className="secondary" onClick={cancel} disabled={verify.cancelling}>
            {verify.cancelling ? 'Cancelling…' : 'Cancel verification'}
          </button>
        ) : null}
      </div>
      <div className="job-area">
        <RepairResult />
        {verify.status === 'running' ? <ProgressBar label="Verification progress" progress={verify.progress} /> : null}
        {verify.status !== 'idle' ? <ItemRows items={verify.items} label="Parts verified" /> : null}
        <div aria-live="polite">
          {verify.status === 'done' ? <Verdict report={verify.result} headingRef={heading} /> : null}
          {verify.status === 'failed' ? (
            <div ref={failed} tabIndex={-1}>
              <ErrorMessage error={verify.error} />
            </div>
          ) : null}
        </div>
      </div>
    </section>
  );
}
