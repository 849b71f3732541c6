import { useRef, type ReactNode } from 'react';
import type { ImportSummary, SavedInventory, WrittenOutput } from '../../../shared/api-contract.js';
import { formatBytes } from '../../../shared/format.js';
import { ErrorMessage } from '../../components/error-message.js';
import { ProgressBar } from '../../components/progress-bar.js';
import { blockedReason } from '../../store/import-store.js';
import { useImport } from '../../store/stores-context.js';
import { CopyButton } from '../../components/copy-button.js';
import { useFocusOnFinish } from './focus-on-finish.js';
import { ItemRows } from './item-rows.js';

/** A block of generated text with its name and a copy button. */
function CopyableText({ title, text, id }: { title: string; text: string; id: string }) {
  return (
    <div className="copyable">
      <div className="copyable-head">
        <h4 id={id}>{title}</h4>
        <CopyButton text={text} label={`Copy ${title}`} />
      </div>
      <pre aria-labelledby={id} tabIndex={0}>
        {text}
      </pre>
    </div>
  );
}

/** The charts and plain files an import wrote, each with its path and sha256. */
function WrittenOutputs({ summary }: { summary: ImportSummary }) {
  const groups = [
    { title: 'Charts written', list: summary.chartFiles },
    { title: 'Files written', list: summary.files },
  ].filter((g): g is { title: string; list: WrittenOutput[] } => g.list !== undefined);
  if (groups.length === 0) return null;
  return (
    <>
      {groups.map((g) => (
        <section key={g.title} aria-label={g.title}>
          <h3>
            {g.title} ({g.list.length})
          </h3>
          <ul className="written">
            {g.list.map((f) => (
              <li key={f.path}>
                <code>{f.path}</code> ({formatBytes(f.size)}, sha256 <code className="digest">{f.sha256}</code>)
              </li>
            ))}
          </ul>
        </section>
      ))}
    </>
  );
}

/** What containerd now lists: each image name (as `ctr images ls` shows it) and digest. */
function ContainerdReport({ result, saved }: { result: NonNullable<ImportSummary['containerd']>; saved: ReactNode }) {
  return (
    <>
      <div className="verdict ok">
        <h3>Loaded into containerd</h3>
        <p>
          {result.images.length} images ({formatBytes(result.bytes)}) into <code>{result.address}</code>, namespace {result.namespace}; ctr images ls lists each with its digest.
        </p>
      </div>
      {saved}
      <table className="images compact report">
        <caption>Images containerd lists</caption>
        <thead>
          <tr>
            <th scope="col">Image</th>
            <th scope="col">Digest</th>
          </tr>
        </thead>
        <tbody>
          {result.images.map((image) => (
            <tr key={image.name}>
              <th scope="row" className="reference">
                {image.name}
              </th>
              <td>
                <code className="digest">{image.digest}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** The inventory saved after the import: where, how big, what it lists, and what to do with it. */
function InventorySaved({ saved }: { saved: SavedInventory }) {
  const c = saved.counts;
  return (
    <div className="verdict ok inventory-saved" role="status">
      <h3>Inventory saved for the next transfer</h3>
      <p>
        Wrote <code className="saved-path">{saved.file}</code> ({formatBytes(saved.bytes)}): {c.repositories} {c.repositories === 1 ? 'repository' : 'repositories'}, {c.tags} {c.tags === 1 ? 'tag' : 'tags'}, {c.blobs} {c.blobs === 1 ? 'blob' : 'blobs'} (
        {formatBytes(c.bytes)}) now offline.
      </p>
      <p className="hint">Carry it back to the connected side and load it in Prepare, under Only carry what the offline side lacks: the next bundle carries only what is not here yet.</p>
    </div>
  );
}

/** Save report: the import's report as `ferry import` writes it (`import-report.json`), to a file the user names. */
function SaveReport() {
  const file = useImport((s) => s.reportFile);
  const setFile = useImport((s) => s.setReportFile);
  const save = useImport((s) => s.saveReport);
  const saved = useImport((s) => s.reportSave);
  return (
    <section className="save-report" aria-labelledby="import-save-report-title">
      <h3 id="import-save-report-title">Save report</h3>
      <div className="grid-form">
        <label htmlFor="import-report-file">Report file</label>
        <input id="import-report-file" type="text" value={file} onChange={(e) => setFile(e.target.value)} placeholder="/media/usb/import-report.json" spellCheck={false} autoComplete="off" aria-describedby="import-report-hint" />
        <p id="import-report-hint" className="hint span">
          The same JSON report the command line writes (import-report.json): each source image, where it went and its digest.
        </p>
      </div>
      <div className="actions">
        <button type="button" className="secondary" onClick={() => void save()} disabled={saved.status === 'running'}>
          {saved.status === 'running' ? 'Saving…' : 'Save report'}
        </button>
      </div>
      <div aria-live="polite">
        {saved.status === 'done' ? (
          <p className="saved-report" role="status">
            Saved <code className="saved-path">{saved.result.file}</code> ({formatBytes(saved.result.bytes)}).
          </p>
        ) : null}
        {saved.status === 'failed' ? <ErrorMessage error={saved.error} /> : null}
      </div>
    </section>
  );
}

/** The final report: each source reference and where it went (copyable), and the mirror configuration. */
function ImportReportView({ summary }: { summary: ImportSummary }) {
  return (
    <>
      <TargetReport summary={summary} saved={summary.inventory ? <InventorySaved saved={summary.inventory} /> : null} />
      {summary.reportId !== undefined ? <SaveReport /> : null}
      <WrittenOutputs summary={summary} />
    </>
  );
}

/** "Save inventory for the next transfer": the choice and the file, written after a successful import. */
function SaveInventoryField() {
  const on = useImport((s) => s.saveInventory);
  const path = useImport((s) => s.inventoryPath);
  const setOn = useImport((s) => s.setSaveInventory);
  const setPath = useImport((s) => s.setInventoryPath);
  return (
    <fieldset className="save-inventory">
      <legend className="visually-hidden">Inventory</legend>
      <label className="plain">
        <input type="checkbox" checked={on} onChange={(e) => setOn(e.target.checked)} aria-describedby="import-inventory-hint" /> Save inventory for the next transfer
      </label>
      <div className="grid-form">
        <label htmlFor="import-inventory">Inventory file</label>
        <input id="import-inventory" type="text" value={path} onChange={(e) => setPath(e.target.value)} disabled={!on} placeholder="/media/usb/inventory.json" spellCheck={false} autoComplete="off" aria-describedby="import-inventory-hint" />
        <p id="import-inventory-hint" className="hint span">
          After a successful import, Ferry writes (or updates) this file with what is now offline. By default it goes beside the bundle folder on the same stick, so it travels back; on the connected side it makes the next bundle a delta.
        </p>
      </div>
    </fieldset>
  );
}

/** The target's part of the report: registry, folder or containerd; `saved` (the inventory saved) right after its verdict. */
function TargetReport({ summary, saved }: { summary: ImportSummary; saved: ReactNode }) {
  if (summary.containerd) return <ContainerdReport result={summary.containerd} saved={saved} />;
  if (summary.placed) {
    return (
      <>
        <div className="verdict ok">
          <h3>Placed</h3>
          <p>
            Wrote <code>{summary.placed.path}</code> ({formatBytes(summary.placed.bytes)}, sha256 <code className="digest">{summary.placed.sha256}</code>){summary.placed.replaced ? ', replacing the file of that name' : ''}. k3s and k0s import it when they start.
          </p>
        </div>
        {saved}
      </>
    );
  }
  const report = summary.report;
  if (!report) return null;
  const s = report.stats;
  return (
    <div className="import-report">
      <div className="verdict ok">
        <h3>Imported into {report.target}</h3>
        <p>
          {report.images.length} images · {s.blobsUploaded} blobs uploaded ({formatBytes(s.bytesUploaded)}), {s.blobsMounted} mounted, {s.blobsExisting} already there · {s.manifestsPushed} manifests, {s.tagsPushed} tags{s.tagsExisting ? ` (${s.tagsExisting} already right)` : ''} ·{' '}
          {s.seconds.toFixed(1)} s
        </p>
      </div>
      {saved}
      <table className="images compact report">
        <caption>Where each image went</caption>
        <thead>
          <tr>
            <th scope="col">Source</th>
            <th scope="col">Target reference</th>
            <th scope="col">
              <span className="visually-hidden">Copy</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {report.images.map((image) => (
            <tr key={image.source}>
              <th scope="row" className="reference">
                {image.source}
              </th>
              <td>
                <code className="digest target-ref">{image.target}</code>
              </td>
              <td>
                <CopyButton text={image.target} label={`Copy the target reference of ${image.source}`} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {summary.mirrorConfig ? (
        <section aria-labelledby="import-mirror-title" className="mirror-config">
          <h3 id="import-mirror-title">Mirror configuration for the nodes</h3>
          <p className="hint">So nodes pull the original names from this registry. containerd: one hosts.toml per source registry under its config_path (/etc/containerd/certs.d/&lt;source&gt;/hosts.toml); k3s: /etc/rancher/k3s/registries.yaml.</p>
          {summary.mirrorConfig.warnings.map((w) => (
            <p key={w} className="warnings">
              {w}
            </p>
          ))}
          {summary.mirrorConfig.hostsToml.map((h, i) => (
            <CopyableText key={h.source} id={`import-hosts-${i}`} title={`${h.source}/hosts.toml`} text={h.text} />
          ))}
          <CopyableText id="import-registries-yaml" title="registries.yaml" text={summary.mirrorConfig.registriesYaml} />
        </section>
      ) : null}
    </div>
  );
}

/** Serving: the URL while it runs, and Stop. */
function ServePanel() {
  const serve = useImport((s) => s.serve);
  const stop = useImport((s) => s.stopServe);
  if (serve.status === 'idle') return null;
  return (
    <div aria-live="polite">
      {serve.status === 'starting' ? <p>Starting…</p> : null}
      {serve.status === 'serving' ? (
        <div className="verdict ok">
          <h3>Serving at {serve.url}</h3>
          <p>
            <code className="serve-url">{serve.url}</code> <CopyButton text={serve.url.replace(/^https?:\/\//, '')} label="Copy the registry address" />
          </p>
          <p className="hint">Pull from it as {serve.url.replace(/^https?:\/\//, '')}/&lt;repository&gt; (plain HTTP, loopback only; read-only). Repositories:</p>
          <ul className="repositories" aria-label="Served repositories">
            {serve.repositories.map((r) => (
              <li key={r}>
                <code>{r}</code>
              </li>
            ))}
          </ul>
          <button type="button" onClick={stop}>
            Stop serving
          </button>
        </div>
      ) : null}
      {serve.status === 'stopped' ? <p className="hint">Stopped serving {serve.url}.</p> : null}
      {serve.status === 'failed' ? <ErrorMessage error={serve.error} /> : null}
    </div>
  );
}

/** Step 4: run the import with progress and Cancel, then the report (or serve until stopped). */
export function RunStep() {
  const state = useImport((s) => s);
  const reason = blockedReason(state);
  const { run, targetKind, serve } = state;
  const running = run.status === 'running';
  const serving = serve.status === 'starting' || serve.status === 'serving';
  const label = targetKind === 'serve' ? 'Start serving' : targetKind === 'folder' ? 'Place archive' : targetKind === 'containerd' ? 'Load into containerd' : 'Import';
  // when the import ends, the focus goes to its result (not to the page body)
  const result = useRef<HTMLDivElement>(null);
  useFocusOnFinish(run.status, result);
  return (
    <section className="import-step" aria-labelledby="import-run-title">
      <h2 id="import-run-title">4. Run</h2>
      {targetKind === 'serve' ? null : <SaveInventoryField />}
      <div className="actions">
        <button
          type="button"
          disabled={reason !== undefined || (targetKind === 'serve' ? serving : running)}
          aria-describedby={reason ? 'import-blocked' : undefined}
          onClick={() => void (targetKind === 'serve' ? state.startServe() : state.runImport())}
        >
          {label}
        </button>
        {running ? (
          <button type="button" className="secondary" onClick={state.cancelRun} disabled={run.cancelling}>
            {run.cancelling ? 'Cancelling…' : 'Cancel import'}
          </button>
        ) : null}
      </div>
      {reason ? (
        <p id="import-blocked" className="blocked">
          {reason}
        </p>
      ) : null}
      <ServePanel />
      {targetKind === 'serve' ? null : (
        <div className="job-area">
          {run.status === 'running' ? <ProgressBar label="Import progress" progress={run.progress} /> : null}
          {run.status !== 'idle' ? (
            <>
              <ItemRows items={run.items} phase="verify" label="Parts verified before the import" />
              {targetKind === 'containerd' ? null : <ItemRows items={run.items} phase="push" label="Images" />}
            </>
          ) : null}
          <div aria-live="polite" ref={result} tabIndex={-1} className="run-result">
            {run.status === 'failed' ? <ErrorMessage error={run.error} /> : null}
            {run.status === 'failed' && state.inspection?.manifest.delta && run.error.code === 'not-found' && targetKind === 'registry' ? (
              <p className="hint">
                Nothing was pushed. Import the earlier bundle into this registry first (open it above, verify, import), then this one again; or, on the connected side, load a fresh inventory of this registry in Prepare and build the delta
                again.
              </p>
            ) : null}
            {run.status === 'done' ? <ImportReportView summary={run.result} /> : null}
          </div>
        </div>
      )}
    </section>
  );
}
