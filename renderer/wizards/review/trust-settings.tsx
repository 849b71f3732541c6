import { useReview } from '../../store/stores-context.js';

/** What Verify (and the report) check beyond integrity: trusted keys, the two-person rule, a policy, cosign keys. */
export function TrustSettings() {
  const trustedKeys = useReview((s) => s.trustedKeys);
  const requireApproval = useReview((s) => s.requireApproval);
  const policyPath = useReview((s) => s.policyPath);
  const cosignKeys = useReview((s) => s.cosignKeys);
  const setTrustedKeys = useReview((s) => s.setTrustedKeys);
  const setRequireApproval = useReview((s) => s.setRequireApproval);
  const setPolicyPath = useReview((s) => s.setPolicyPath);
  const setCosignKeys = useReview((s) => s.setCosignKeys);
  const loadArtifacts = useReview((s) => s.loadArtifacts);
  const checking = useReview((s) => s.artifacts.status === 'running');
  return (
    <section className="trust-settings" aria-labelledby="trust-settings-title">
      <h2 id="trust-settings-title">Trust and policy</h2>
      <p className="hint">Paths on the machine running Ferry. Verify and the HTML report check against them.</p>
      <div className="field-grid">
        <label htmlFor="trusted-keys">Trusted public keys</label>
        <div>
          <textarea id="trusted-keys" rows={2} value={trustedKeys} onChange={(e) => setTrustedKeys(e.target.value)} spellCheck={false} placeholder="/keys/alice.pub" aria-describedby="trusted-keys-hint" />
          <p id="trusted-keys-hint" className="hint">
            One public key file (.pub) a line: a valid preparer signature by one of them is then required.
          </p>
        </div>
        <span />
        <label className="check">
          <input type="checkbox" checked={requireApproval} onChange={(e) => setRequireApproval(e.target.checked)} /> Require an approval by a second trusted key (two-person rule)
        </label>
        <label htmlFor="policy-path">Policy file</label>
        <input id="policy-path" type="text" value={policyPath} onChange={(e) => setPolicyPath(e.target.value)} spellCheck={false} autoComplete="off" placeholder="/keys/policy.yaml" />
        <label htmlFor="cosign-keys">Cosign public keys</label>
        <div>
          <textarea id="cosign-keys" rows={2} value={cosignKeys} onChange={(e) => setCosignKeys(e.target.value)} spellCheck={false} placeholder="/keys/cosign.pub" aria-describedby="cosign-keys-hint" />
          <p id="cosign-keys-hint" className="hint">
            One PEM file a line (ECDSA P-256, Ed25519, RSA): every image must then carry a valid cosign signature by one of them.
          </p>
          <button type="button" className="secondary" onClick={() => void loadArtifacts()} disabled={checking}>
            {checking ? 'Checking…' : 'Check image signatures'}
          </button>
        </div>
      </div>
    </section>
  );
}
