import { ErrorMessage } from '../../components/error-message.js';
import { useReview } from '../../store/stores-context.js';
import { SignatureList } from './signature-list.js';

/** Approve with my key (the second person of the two-person rule), and export the HTML report. */
export function ApprovePanel() {
  const approveKey = useReview((s) => s.approveKey);
  const approval = useReview((s) => s.approval);
  const setApproveKey = useReview((s) => s.setApproveKey);
  const approve = useReview((s) => s.approve);
  const reportPath = useReview((s) => s.reportPath);
  const report = useReview((s) => s.report);
  const setReportPath = useReview((s) => s.setReportPath);
  const exportReport = useReview((s) => s.exportReport);
  return (
    <>
      <section className="approve" aria-labelledby="approve-title">
        <h2 id="approve-title">Approve</h2>
        <p className="hint">Countersign this bundle.json with your own key; the preparer&apos;s key is refused.</p>
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
          {approval.status === 'failed' ? <ErrorMessage error={approval.error} /> : null}
          {approval.status === 'done' ? (
            <div className="approved">
              <p className="ok-text">
                Approved with key <code>{approval.result.keyId.slice(0, 16)}</code>: {approval.result.file}
              </p>
              <SignatureList signatures={approval.result.signatures} />
            </div>
          ) : null}
        </div>
      </section>
      <section className="report" aria-labelledby="report-title">
        <h2 id="report-title">HTML report</h2>
        <p className="hint">One self-contained page (prints well) with images, digests, signatures, approvals and policy results.</p>
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
          {report.status === 'failed' ? <ErrorMessage error={report.error} /> : null}
          {report.status === 'done' ? <p className="ok-text">Report written: {report.result.path}</p> : null}
        </div>
      </section>
    </>
  );
}
