import type { VerifyReport } from '../../../shared/verify-report.js';
import { ErrorMessage } from '../../components/error-message.js';
import { ProgressBar } from '../../components/progress-bar.js';
import { useImport } from '../../store/stores-context.js';
import { ItemRows } from './item-rows.js';

/** The verdict: intact or damaged, every fault, and trust, policy and approval problems. */
function Verdict({ report }: { report: VerifyReport }) {
  const { integrity } = report;
  const title = report.ok ? 'Verdict: intact' : !integrity.ok ? `Verdict: damaged (${integrity.faults.length} ${integrity.faults.length === 1 ? 'fault' : 'faults'})` : 'Verdict: not trusted';
  const trustProblems = report.trust && !report.trust.ok ? report.trust.problems : [];
  const policy = report.policy?.violations.map((v) => v.message) ?? [];
  return (
    <div className={`verdict ${report.ok ? 'ok' : 'bad'}`}>
      <h3>{title}</h3>
      {integrity.checks && integrity.checks.length > 0 ? (
        <ul className="checks" aria-label="Checks">
          {integrity.checks.map((check) => (
            <li key={check.id} className={check.ok ? 'ok' : 'bad'}>
              <span className="mark" aria-hidden="true">
                {check.ok ? '✓' : check.skipped ? '–' : '✗'}
              </span>{' '}
              {check.summary}
            </li>
          ))}
        </ul>
      ) : null}
      {!report.trust ? <p className="hint">Integrity only: no trusted keys were given, so signatures were not required.</p> : null}
      {integrity.faults.length > 0 ? (
        <ul className="faults" aria-label="Faults">
          {integrity.faults.map((fault, i) => (
            <li key={i}>
              {fault.part ? <strong>{fault.part}: </strong> : fault.file ? <strong>{fault.file}: </strong> : null}
              {fault.message}
            </li>
          ))}
        </ul>
      ) : null}
      {integrity.repair ? <p className="repair">{integrity.repair.message}</p> : null}
      {trustProblems.length > 0 || policy.length > 0 ? (
        <ul className="faults" aria-label="Trust problems">
          {[...trustProblems, ...policy].map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
    </div>
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
