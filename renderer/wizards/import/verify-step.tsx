import type { VerifyReport } from '../../../shared/verify-report.js';
import { ErrorMessage } from '../../components/error-message.js';
import { IntegrityResult } from '../../components/integrity-result.js';
import { ProgressBar } from '../../components/progress-bar.js';
import { useImport } from '../../store/stores-context.js';
import { ItemRows } from './item-rows.js';

/** The verdict: intact or damaged, every fault, and trust, policy and approval problems. */
function Verdict({ report }: { report: VerifyReport }) {
  const { integrity } = report;
  const title = report.ok ? 'Verdict: intact' : !integrity.ok ? `Verdict: damaged (${integrity.faults.length} ${integrity.faults.length === 1 ? 'fault' : 'faults'})` : 'Verdict: not trusted';
  const trustProblems = report.trust && !report.trust.ok ? report.trust.problems : [];
  const policy = report.policy?.violations.map((v) => v.message) ?? [];
  const unsigned = report.cosign && !report.cosign.ok ? report.cosign.images.filter((c) => c.verdict !== 'signed-by-key').map((c) => `${c.image}: ${c.verdict}${c.problem ? ` (${c.problem})` : ''}`) : [];
  return (
    <div className={`verdict ${report.ok ? 'ok' : 'bad'}`}>
      <h3>{title}</h3>
      <IntegrityResult integrity={integrity} />
      {!report.trust && !report.cosign ? <p className="hint">Integrity only: no trusted keys were given, so signatures were not required.</p> : null}
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
  const running = verify.status === 'running';
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
          <button type="button" className="secondary" onClick={verify.cancel}>
            Cancel verification
          </button>
        ) : null}
      </div>
      <div className="job-area">
        {verify.status === 'running' ? <ProgressBar label="Verification progress" progress={verify.progress} /> : null}
        {verify.status !== 'idle' ? <ItemRows items={verify.items} label="Parts verified" /> : null}
        <div aria-live="polite">
          {verify.status === 'done' ? <Verdict report={verify.result} /> : null}
          {verify.status === 'failed' ? <ErrorMessage error={verify.error} /> : null}
        </div>
      </div>
    </section>
  );
}
