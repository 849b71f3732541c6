import { useEffect, useRef } from 'react';
import { formatBytes } from '../../../shared/format.js';
import { ErrorMessage } from '../../components/error-message.js';
import { useSettings } from '../../store/stores-context.js';
import type { SettingsPlace, Theme } from '../../store/settings-store.js';
import './settings.css';

const THEMES: { value: Theme; label: string }[] = [
  { value: 'system', label: 'As the system' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

/** The header button that opens the Settings. */
export function SettingsButton() {
  const openDialog = useSettings((s) => s.openDialog);
  return (
    <button type="button" className="secondary settings-button" onClick={openDialog} aria-haspopup="dialog">
      Settings
    </button>
  );
}

/**
 * What the last action in this part of the Settings came to, beside the button that did it and kept in view: the
 * notice in a polite live region ("Saved."), an error as an alert.
 */
function ActionOutcome({ place }: { place: SettingsPlace }) {
  const mine = useSettings((s) => s.at === place);
  const error = useSettings((s) => s.error);
  const notice = useSettings((s) => s.notice);
  const box = useRef<HTMLDivElement>(null);
  const shown = mine ? (error?.message ?? notice) : undefined;
  useEffect(() => {
    if (shown !== undefined) box.current?.scrollIntoView({ block: 'nearest' });
  }, [shown]);
  return (
    <div ref={box} className="action-outcome">
      <p role="status" className="ok-text">
        {mine && notice ? notice : null}
      </p>
      {mine && error ? <ErrorMessage error={error} surface="settings" /> : null}
    </div>
  );
}

/** Registries and their logins (the password goes to the host and never comes back), CA files and insecure hosts. */
function RegistrySettings() {
  const settings = useSettings((s) => s.settings);
  const form = useSettings((s) => s.form);
  const busy = useSettings((s) => s.busy);
  const setForm = useSettings((s) => s.setForm);
  const saveRegistry = useSettings((s) => s.saveRegistry);
  const removeRegistry = useSettings((s) => s.removeRegistry);
  const registries = settings?.registries ?? [];
  return (
    <fieldset>
      <legend>Registries</legend>
      {registries.length === 0 ? (
        <p className="empty">No registry set: logins come from docker login and containers&apos; auth.json. Add one below to use it for this session.</p>
      ) : (
        <table className="registries">
          <caption className="visually-hidden">Registries set for this session</caption>
          <thead>
            <tr>
              <th scope="col">Host</th>
              <th scope="col">User</th>
              <th scope="col">Password</th>
              <th scope="col">CA file</th>
              <th scope="col">Insecure</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {registries.map((r) => (
              <tr key={r.host}>
                <th scope="row">{r.host}</th>
                <td>{r.username ?? '—'}</td>
                <td>{r.hasPassword ? 'kept by the host' : '—'}</td>
                <td className="path">{r.caFile ?? '—'}</td>
                <td>{r.insecure ? 'yes' : 'no'}</td>
                <td>
                  <button type="button" className="secondary" onClick={() => void removeRegistry(r.host)} aria-disabled={busy} aria-label={`Remove ${r.host}`}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="registry-form"
        onSubmit={(e) => {
          e.preventDefault();
          void saveRegistry();
        }}
      >
        <label htmlFor="reg-host">Registry host</label>
        <input id="reg-host" type="text" value={form.host} onChange={(e) => setForm({ host: e.target.value })} placeholder="registry.corp.example:5000" spellCheck={false} autoComplete="off" />
        <label htmlFor="reg-user">Username</label>
        <input id="reg-user" type="text" value={form.username} onChange={(e) => setForm({ username: e.target.value })} spellCheck={false} autoComplete="off" />
        <label htmlFor="reg-password">Password</label>
        <input id="reg-password" type="password" value={form.password} onChange={(e) => setForm({ password: e.target.value })} autoComplete="new-password" aria-describedby="reg-password-hint" />
        <span />
        <p id="reg-password-hint" className="hint">
          Kept by the Ferry host in memory for this session only; never shown again, never written to disk or logs.
        </p>
        <label htmlFor="reg-ca">CA file</label>
        <input id="reg-ca" type="text" value={form.caFile} onChange={(e) => setForm({ caFile: e.target.value })} placeholder="/etc/ssl/corp-ca.pem" spellCheck={false} autoComplete="off" />
        <span />
        <label className="check">
          <input id="reg-insecure" type="checkbox" checked={form.insecure} onChange={(e) => setForm({ insecure: e.target.checked })} /> Insecure (plain HTTP or an unverified certificate)
        </label>
        <span />
        <div className="action-row">
          <button type="submit" aria-disabled={busy}>
            Save registry
          </button>
          <ActionOutcome place="registries" />
        </div>
      </form>
    </fieldset>
  );
}

/** Concurrency, the cache folder and its size (with Clear), the theme. */
function GeneralSettings() {
  const concurrency = useSettings((s) => s.concurrency);
  const cacheDir = useSettings((s) => s.cacheDir);
  const cache = useSettings((s) => s.cache);
  const busy = useSettings((s) => s.busy);
  const theme = useSettings((s) => s.theme);
  const setConcurrency = useSettings((s) => s.setConcurrency);
  const setCacheDir = useSettings((s) => s.setCacheDir);
  const saveOptions = useSettings((s) => s.saveOptions);
  const clearCache = useSettings((s) => s.clearCache);
  const setTheme = useSettings((s) => s.setTheme);
  // aria-disabled, not disabled: the button keeps the focus once the cache is empty
  const nothingToClear = !cache || cache.bytes === 0;
  return (
    <>
      <fieldset>
        <legend>Jobs and cache</legend>
        <form
          className="registry-form"
          onSubmit={(e) => {
            e.preventDefault();
            void saveOptions();
          }}
        >
          <label htmlFor="set-concurrency">Concurrency</label>
          <input id="set-concurrency" type="number" min={1} max={64} value={concurrency} onChange={(e) => setConcurrency(e.target.value)} aria-describedby="concurrency-hint" />
          <span />
          <p id="concurrency-hint" className="hint">
            Blobs fetched or pushed at once (1–64).
          </p>
          <label htmlFor="set-cache-dir">Cache folder</label>
          <input id="set-cache-dir" type="text" value={cacheDir} onChange={(e) => setCacheDir(e.target.value)} spellCheck={false} autoComplete="off" />
          <span />
          <div className="action-row">
            <button type="submit" aria-disabled={busy}>
              Save
            </button>
            <ActionOutcome place="options" />
          </div>
        </form>
        <p className="cache-size" aria-live="polite">
          {cache ? `The cache holds ${formatBytes(cache.bytes)} in ${cache.blobs} ${cache.blobs === 1 ? 'blob' : 'blobs'} (${cache.dir}).` : 'Cache size: measuring…'}
        </p>
        <div className="action-row">
          <button type="button" className="secondary" onClick={() => void (nothingToClear ? undefined : clearCache())} aria-disabled={busy || nothingToClear}>
            Clear cache
          </button>
          <ActionOutcome place="cache" />
        </div>
      </fieldset>
      <fieldset>
        <legend>Theme</legend>
        <div role="radiogroup" aria-label="Theme" className="theme-choice">
          {THEMES.map((t) => (
            <label key={t.value}>
              <input type="radio" name="theme" value={t.value} checked={theme === t.value} onChange={() => setTheme(t.value)} /> {t.label}
            </label>
          ))}
        </div>
      </fieldset>
    </>
  );
}

/** The Settings dialog: a modal `<dialog>` (Escape or Close closes it; focus stays inside while open). */
export function SettingsDialog() {
  const open = useSettings((s) => s.open);
  const closeDialog = useSettings((s) => s.closeDialog);
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    if (open && !el.open) el.showModal();
    if (!open && el.open) el.close();
  }, [open]);

  return (
    <dialog ref={dialog} className="settings-dialog" aria-labelledby="settings-title" onClose={closeDialog}>
      <div className="settings-head">
        <h2 id="settings-title">Settings</h2>
        <button type="button" className="secondary" onClick={closeDialog}>
          Close
        </button>
      </div>
      {open ? (
        <>
          <ActionOutcome place="load" />
          <RegistrySettings />
          <GeneralSettings />
        </>
      ) : null}
    </dialog>
  );
}
