import { ErrorMessage } from '../../components/error-message.js';
import { signingTargets } from '../../store/review-store.js';
import { useReview } from '../../store/stores-context.js';

/** Sign as preparer: for a bundle without a valid preparer signature, so a second person can then approve it. */
export function SignAsPreparer() {
  const signKey = useReview((s) => s.signKey);
  const setSignKey = useReview((s) => s.setSignKey);
  const signing = useReview((s) => s.signing);
  const sign = useReview((s) => s.signAsPreparer);
  const targets = useReview((s) => signingTargets(s).length);
  return (
    <div className="sign-as-preparer" role="group" aria-labelledby="sign-title">
      <h3 id="sign-title">Sign as preparer</h3>
      <p className="hint">The bundle is verified whole first, then signed with the preparer&apos;s key{targets > 1 ? ` on every copy (${targets} folders)` : ''}. The approver must use another key.</p>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void sign();
        }}
      >
        <label htmlFor="preparer-key">Preparer&apos;s private key</label>
        <input id="preparer-key" type="text" value={signKey} onChange={(e) => setSignKey(e.target.value)} spellCheck={false} autoComplete="off" placeholder="/keys/alice.key" />
        <button type="submit" disabled={signing.status === 'running'}>
          {signing.status === 'running' ? 'Signing…' : 'Sign as preparer'}
        </button>
      </form>
      <div aria-live="polite">
        {signing.status === 'failed' ? <ErrorMessage error={signing.error} surface="review" /> : null}
        {signing.status === 'done' ? (
          <p className="ok-text">
            Signed as preparer with key <code>{signing.result.keyId.slice(0, 16)}</code> on {signing.result.volumes.map((v) => v.dir).join(', ')}
          </p>
        ) : null}
      </div>
    </div>
  );
}
