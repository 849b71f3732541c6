import { useEffect, useRef } from 'react';
import { ErrorMessage } from '../../components/error-message.js';
import { IntegrityResult } from '../../components/integrity-result.js';
import { ProgressBar } from '../../components/progress-bar.js';
import { useReview } from '../../store/stores-context.js';
import type { VerifyReport } from '../../../shared/verify-report.js';
import { cosignVerdictText } from './carried-artifacts.js';
import { SignatureList } from './signature-list.js';

/** The verdict of a verification: intact or not, each check, and every fault naming its part and blob. */
function Verdict({ report }: { report: VerifyReport }) {
  const integrity = report.integrity;
  return (
    <div className={`verdict ${report.ok ? 'ok' : 'bad'}`} id="verdict" role="group" tabIndex={-1} aria-labelledby="verdict-title">
      <h3 id="verdict-title">{integrity.ok ? 'Verdict: intact' : `Verdict: damaged (${integrity.faults.length} ${integrity.faults.length === 1 ? 'fault' : 'faults'})`}</h3>
      <IntegrityResult integrity={integrity} />
      {report.trust ? (
        <div className="trust-result">
          <h4>{report.trust.ok ? 'Signatures and approvals: trusted' : 'Signatures and approvals: NOT trusted'}</h4>
          <SignatureList signatures={report.trust.signatures} trustChecked={(report.trust.trustedKeys?.length ?? 0) > 0} problems={report.trust.problems} />
        </div>
      ) : null}
      {report.policy ? (
        <div className="policy-result">
          <h4>{report.policy.ok ? `Policy ${report.policy.file}: satisfied` : `Policy ${report.policy.file}: ${report.policy.violations.length} ${report.policy.violations.length === 1 ? 'violation' : 'violations'}`}</h4>
          {report.policy.violations.length > 0 ? (
            <ul className="faults" aria-label="Policy violations">
              {report.policy.violations.map((v, i) => (
                <li key={i}>
                  <strong>{v.rule}</strong>
                  {v.subject ? ` (${v.subject})` : ''}: {v.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {report.cosign ? (
        <div className="cosign-result">
          <h4>{report.cosign.ok ? 'Image signatures: every image signed by a given key' : 'Image signatures: NOT every image signed by a given key'}</h4>
          <ul className="checks" aria-label="Image signatures">
            {report.cosign.images.map((c) => (
              <li key={`${c.image}@${c.digest}`} className={c.verdict === 'signed-by-key' ? 'ok' : 'bad'}>
                {c.image}: {cosignVerdictText(c)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}

/** Verify: runs `bundle.verify` with progress and shows the verdict; when it ends, focus moves to the verdict (or the error). */
export function VerifyPanel() {
  const verify = useReview((s) => s.verify);
  const run = useReview((s) => s.verifyBundle);
  const cancel = useReview((s) => s.cancelVerify);
  const running = verify.status === 'running';
  const outcome = useRef<HTMLDivElement>(null);
  const wasRunning = useRef(false);
  useEffect(() => {
    // the Verify button was disabled while running, so focus fell to the page: give it to the result
    if (wasRunning.current && (verify.status === 'done' || verify.status === 'failed')) outcome.current?.querySelector<HTMLElement>('#verdict, .error-box')?.focus();
    wasRunning.current = verify.status === 'running';
  }, [verify.status]);
  return (
    <section className="verify" aria-labelledby="verify-title">
      <h2 id="verify-title">Integrity</h2>
      <p className="hint">Reads every part and every blob once: sizes, sha256 sums and the archive structure; then signatures, approvals, the policy and image signatures as set above.</p>
      <div className="actions">
        <button type="button" onClick={() => void run()} disabled={running}>
          Verify
        </button>
        {running ? (
          <button type="button" onClick={cancel} className="secondary" disabled={verify.cancelling}>
            {verify.cancelling ? 'Cancelling…' : 'Cancel verification'}
          </button>
        ) : null}
      </div>
      <div aria-live="polite" ref={outcome}>
        {verify.status === 'running' ? <ProgressBar label="Verification progress" progress={verify.progress} /> : null}
        {verify.status === 'done' ? <Verdict report={verify.result} /> : null}
        {verify.status === 'failed' ? (
          <div className="error-box" tabIndex={-1}>
            <ErrorMessage error={verify.error} surface="review" />
          </div>
        ) : null}
      </div>
    </section>
  );
}
