import type { SignatureCheck, TrustReport } from '../../../shared/verify-report.js';

/** Bundle signatures and approvals: role, by whom (key id), valid or not, trusted or not; then what is missing. */
export function SignatureList({ signatures, problems }: { signatures: SignatureCheck[]; problems?: TrustReport['problems'] }) {
  return (
    <>
      {signatures.length === 0 ? (
        <p className="empty">No signature: this bundle was not signed (bundle with a signing key, then approve with a second one).</p>
      ) : (
        <ul className="signatures" aria-label="Signatures">
          {signatures.map((sig) => (
            <li key={sig.file} className={sig.valid ? 'ok' : 'bad'}>
              <span className="mark" aria-hidden="true">
                {sig.valid ? '✓' : '✗'}
              </span>{' '}
              <strong>{sig.role === 'preparer' ? 'Preparer' : sig.role === 'approver' ? 'Approver' : 'Unreadable signature'}</strong>{' '}
              {sig.valid ? 'valid' : 'NOT valid'}, key <code>{sig.keyId ? sig.keyId.slice(0, 16) : '?'}</code>
              {sig.trusted ? `, trusted (${sig.trustedKey ?? 'trusted key'})` : ', not a trusted key'}
              {sig.created ? `, ${sig.created}` : ''}
              {sig.problem ? <span className="problem"> — {sig.problem}</span> : null}
            </li>
          ))}
        </ul>
      )}
      {problems && problems.length > 0 ? (
        <ul className="faults" aria-label="Trust problems">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
    </>
  );
}
