import { ErrorMessage } from '../../components/error-message.js';
import { WarningList } from '../../components/warning-list.js';
import { needsPreparer } from '../../store/review-store.js';
import { useReview } from '../../store/stores-context.js';
import { SignatureList } from './signature-list.js';

/** The open bundle's signatures and approvals, shown as soon as it opens: valid or not, key id, trusted or not. */
export function SignaturesPanel() {
  const signatures = useReview((s) => s.signatures);
  const unsigned = useReview(needsPreparer);
  // with no signature at all the list says so; with some, say that none of them is a valid preparer's
  const result = signatures.status === 'done' ? signatures.result : undefined;
  return (
    <section className="signatures-panel" aria-labelledby="signatures-title">
      <h2 id="signatures-title">Signatures and approvals</h2>
      {signatures.status === 'running' && !result ? <p className="hint">Checking the signatures…</p> : null}
      {signatures.status === 'failed' ? <ErrorMessage error={signatures.error} /> : null}
      {result ? (
        <>
          <SignatureList signatures={result.signatures} trustChecked={result.trustedKeys.length > 0} />
          {result.trustedKeys.length === 0 ? <p className="hint">Give trusted public keys under Trust and policy to see whose signatures are trusted.</p> : null}
          {result.keyProblems.length > 0 ? (
            <ul className="faults" aria-label="Trusted keys not read">
              {result.keyProblems.map((p) => (
                <li key={p.file}>{p.message}</li>
              ))}
            </ul>
          ) : null}
          <WarningList warnings={result.warnings} />
          {unsigned && result.signatures.length > 0 ? <p className="warn">No valid preparer signature: an approval would be refused. The preparer signs first with Sign as preparer, under Approve.</p> : null}
        </>
      ) : null}
    </section>
  );
}
