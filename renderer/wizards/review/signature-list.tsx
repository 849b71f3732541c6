import type { SignatureCheck, TrustReport } from '../../../shared/verify-report.js';
import { signatureWords, trustStateOf } from '../../components/signature-words.js';

/**
 * Bundle signatures and approvals, each in the one wording (role, valid or not, key id, trusted / not a trusted key /
 * trust not checked), where it was found when several folders were read; then what is missing.
 */
export function SignatureList({ signatures, trustChecked, problems }: { signatures: SignatureCheck[]; trustChecked: boolean; problems?: TrustReport['problems'] }) {
  return (
    <>
      {signatures.length === 0 ? (
        <p className="empty">No signature: this bundle is not signed (the preparer signs it, then a second person approves it).</p>
      ) : (
        <ul className="signatures" aria-label="Signatures">
          {signatures.map((sig) => (
            <li key={`${sig.file}:${(sig.volumes ?? []).join(',')}`} className={`${sig.valid ? 'ok' : 'bad'} trust-${trustStateOf(sig, trustChecked)}`}>
              <span className="mark" aria-hidden="true">
                {sig.valid ? '✓' : '✗'}
              </span>{' '}
              {signatureWords(sig, trustChecked)}
              {sig.created ? `, ${sig.created}` : ''}
              {sig.volumes && sig.volumes.length > 0 ? <span className="volumes">, on {sig.volumes.join(', ')}</span> : null}
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
