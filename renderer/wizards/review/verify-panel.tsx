import { ErrorMessage } from '../../components/error-message.js';
import { ProgressBar } from '../../components/progress-bar.js';
import { useReview } from '../../store/stores-context.js';
import type { VerifyReport } from '../../../shared/verify-report.js';

/** The verdict of a verification: intact or not, each check, and every fault naming its part and blob. */
function Verdict({ report }: { report: VerifyReport }) {
  const integrity = report.integrity;
  return (
    <div className={`verdict ${report.ok ? 'ok' : 'bad'}`}>
      <h3 id="verdict-title">{integrity.ok ? 'Verdict: intact' : `Verdict: damaged (${integrity.faults.length} ${integrity.faults.length === 1 ? 'fault' : 'faults'})`}</h3>
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
      {report.trust && !report.trust.ok ? (
        <ul className="faults" aria-label="Trust problems">
          {report.trust.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** Verify: runs `bundle.verify` with progress and shows the verdict. */
export function VerifyPanel() {
  const verify = useReview((s) => s.verify);
  const run = useReview((s) => s.verifyBundle);
  const cancel = useReview((s) => s.cancelVerify);
  const running = verify.status === 'running';
  return (
    <section className="verify" aria-labelledby="verify-title">
      <h2 id="verify-title">Integrity</h2>
      <p className="hint">Reads every part and every blob once: sizes, sha256 sums and the archive structure.</p>
      <div className="actions">
        <button type="button" onClick={() => void run()} disabled={running}>
          Verify
        </button>
        {running ? (
          <button type="button" onClick={cancel} className="secondary">
            Cancel verification
          </button>
        ) : null}
      </div>
      <div aria-live="polite">
        {verify.status === 'running' ? <ProgressBar label="Verification progress" progress={verify.progress} /> : null}
        {verify.status === 'done' ? <Verdict report={verify.report} /> : null}
        {verify.status === 'failed' ? <ErrorMessage error={verify.error} /> : null}
      </div>
    </section>
  );
}
