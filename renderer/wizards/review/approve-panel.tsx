import { ErrorMessage } from '../../components/error-message.js';
import { needsPreparer, signingTargets } from '../../store/review-store.js';
import { useReview } from '../../store/stores-context.js';
import { SignAsPreparer } from './sign-as-preparer.js';
import { SignatureList } from './signature-list.js';

/** Approve with my key (the second person of the two-person rule), signing as preparer first when nobody has. */
export function ApprovePanel() {
  const approveKey = useReview((s) => s.approveKey);
  const approval = useReview((s) => s.approval);
  const setApproveKey = useReview((s) => s.setApproveKey);
  const approve = useReview((s) => s.approve);
  const signatures = useReview((s) => s.signatures);
  const unsigned = useReview(needsPreparer);
  const targets = useReview((s) => signingTargets(s).length);
  const refused = approval.status === 'failed' && approval.error.hint === 'sign-as-preparer';
  // once used, it stays (with its outcome) until another bundle is opened
  const signed = useReview((s) => s.signing.status !== 'idle');
  return (
    <section className="approve" aria-labelledby="approve-title">
      <h2 id="approve-title">Approve</h2>
      <p className="hint">
        Countersign this bundle.json with your own key{targets > 1 ? ` on every copy (${targets} folders)` : ''}; the preparer&apos;s key is refused.
      </p>
      {unsigned || refused || signed ? <SignAsPreparer /> : null}
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void approve();
        }}
      >
        <label htmlFor="approve-key">My private key</label>
        <input id="approve-key" type="text" value={approveKey} onChange={(e) => setApproveKey(e.target.value)} spellCheck={false} autoComplete="off" placeholder="/keys/bob.key" />
        <button type="submit" disabled={approval.status === 'running'}>
          {approval.status === 'running' ? 'Approving…' : 'Approve with my key'}
        </button>
      </form>
      <div aria-live="polite">
        {approval.status === 'failed' ? <ErrorMessage error={approval.error} surface="review" /> : null}
        {approval.status === 'done' ? (
          <div className="approved">
            <p className="ok-text">
              Approved with key <code>{approval.result.keyId.slice(0, 16)}</code> on {approval.result.volumes.length} {approval.result.volumes.length === 1 ? 'folder' : 'folders'}: {approval.result.volumes.map((v) => v.dir).join(', ')}
            </p>
            {signatures.status === 'done' ? <SignatureList signatures={signatures.result.signatures} trustChecked={signatures.result.trustedKeys.length > 0} /> : null}
          </div>
        ) : null}
      </div>
    </section>
  );
}

/** Export HTML report: the page holds the integrity verdict of this session's Verify of this bundle. */
export function ReportPanel() {
  const reportPath = useReview((s) => s.reportPath);
  const report = useReview((s) => s.report);
  const setReportPath = useReview((s) => s.setReportPath);
  const exportReport = useReview((s) => s.exportReport);
  return (
    <section className="report" aria-labelledby="report-title">
      <h2 id="report-title">HTML report</h2>
      <p className="hint">One self-contained page (prints well) with images, digests, signatures, approvals, policy results and, after Verify, integrity.</p>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void exportReport();
        }}
      >
        <label htmlFor="report-path">Report file</label>
        <input id="report-path" type="text" value={reportPath} onChange={(e) => setReportPath(e.target.value)} spellCheck={false} autoComplete="off" placeholder="/home/me/review.html" />
        <button type="submit" disabled={report.status === 'running'}>
          {report.status === 'running' ? 'Writing…' : 'Export HTML report'}
        </button>
      </form>
      <div aria-live="polite">
        {report.status === 'failed' ? <ErrorMessage error={report.error} surface="review" /> : null}
        {report.status === 'done' ? (
          <p className="ok-text">
            Report written: {report.result.path}
            {report.result.integrity ? ` (with the integrity verdict of Verify at ${report.result.integrity.verifiedAt}: ${report.result.integrity.ok ? 'intact' : 'damaged'})` : ' (without integrity: press Verify first to include it)'}
          </p>
        ) : null}
      </div>
    </section>
  );
}
