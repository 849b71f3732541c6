import { useLayoutEffect, useRef, useState } from 'react';
import { ErrorMessage } from '../../components/error-message.js';
import { usePrepare } from '../../store/stores-context.js';

/** The small "Log in…" dialog of an image row: the password goes to the host once and is then forgotten here. */
export function LoginDialog() {
  const host = usePrepare((s) => s.loginHost);
  const busy = usePrepare((s) => s.loggingIn);
  const error = usePrepare((s) => s.loginError);
  const close = usePrepare((s) => s.closeLogin);
  const logIn = usePrepare((s) => s.logIn);
  const dialog = useRef<HTMLDialogElement>(null);
  const [registry, setRegistry] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [caFile, setCaFile] = useState('');

  // a layout effect: the host's name is in the field in the same task that opens the dialog (never an empty field first)
  useLayoutEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (host !== undefined) {
      setRegistry(host);
      setPassword('');
      if (!d.open) d.showModal();
    } else {
      setPassword('');
      if (d.open) d.close();
    }
  }, [host]);

  return (
    <dialog ref={dialog} className="login-dialog" aria-labelledby="login-title" onClose={close}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          void logIn({ host: registry, username, password, caFile }).then((ok) => {
            if (ok) setPassword('');
          });
        }}
      >
        <h2 id="login-title">Log in to a registry</h2>
        <p className="hint">For this session only: the host keeps the password and never shows it again.</p>
        <label htmlFor="login-host">Registry host</label>
        <input id="login-host" type="text" value={registry} onChange={(e) => setRegistry(e.target.value)} spellCheck={false} autoComplete="off" />
        <label htmlFor="login-user">User name</label>
        <input id="login-user" type="text" value={username} onChange={(e) => setUsername(e.target.value)} spellCheck={false} autoComplete="username" />
        <label htmlFor="login-password">Password</label>
        <input id="login-password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" />
        <label htmlFor="login-ca">CA file (optional)</label>
        <input id="login-ca" type="text" value={caFile} onChange={(e) => setCaFile(e.target.value)} placeholder="/etc/ssl/corp-ca.pem, for a private certificate authority" spellCheck={false} autoComplete="off" />
        {error ? <ErrorMessage error={error} /> : null}
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Logging in…' : 'Log in and retry'}
          </button>
          <button type="button" className="secondary" onClick={close}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
