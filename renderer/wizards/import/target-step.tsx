import { deltaNumbers } from '../../../shared/delta.js';
import { formatBytes } from '../../../shared/format.js';
import { ErrorMessage } from '../../components/error-message.js';
import { useImport } from '../../store/stores-context.js';
import { CONTAINERD_SOCKETS, type ContainerdPreset, type TargetKind } from '../../store/import-store.js';

const KINDS: { kind: TargetKind; title: string }[] = [
  { kind: 'registry', title: 'A registry' },
  { kind: 'folder', title: 'A k3s / k0s images folder' },
  { kind: 'containerd', title: 'containerd (k3s/k0s running node)' },
  { kind: 'serve', title: 'Serve the bundle as a registry' },
];

/** The registry target: where, the login, TLS, `--map` rules, and the mapping preview (a dry run). */
function RegistryTarget() {
  const r = useImport((s) => s.registry);
  const passwordSent = useImport((s) => s.passwordSent);
  const setRegistry = useImport((s) => s.setRegistry);
  const preview = useImport((s) => s.preview);
  const previewMapping = useImport((s) => s.previewMapping);
  const images = preview.status === 'done' ? (preview.result.report?.images ?? []) : [];
  return (
    <>
      <div className="grid-form">
        <label htmlFor="import-to">Registry</label>
        <input id="import-to" type="text" value={r.to} onChange={(e) => setRegistry({ to: e.target.value })} placeholder="registry.local:5000/mirror" spellCheck={false} autoComplete="off" aria-describedby="import-to-hint" />
        <p id="import-to-hint" className="hint span">
          host[:port][/prefix]: each image goes to HOST/PREFIX/its path (127.0.0.1:5000/test/app:1 → registry.local:5000/mirror/test/app:1).
        </p>
        <label htmlFor="import-username">User name</label>
        <input id="import-username" type="text" value={r.username} onChange={(e) => setRegistry({ username: e.target.value })} autoComplete="off" spellCheck={false} />
        <label htmlFor="import-password">Password</label>
        <input id="import-password" type="password" value={r.password} onChange={(e) => setRegistry({ password: e.target.value })} autoComplete="new-password" aria-describedby="import-password-hint" />
        <p id="import-password-hint" className="hint span">
          {passwordSent ? 'The password was sent with the last import and is not kept: type it again to import again. ' : ''}
          Leave empty to use the logins of docker / podman on the Ferry host. The password is sent once, with the import, and never shown again.
        </p>
        <label htmlFor="import-ca">CA file</label>
        <input id="import-ca" type="text" value={r.caFile} onChange={(e) => setRegistry({ caFile: e.target.value })} placeholder="/etc/pki/registry-ca.pem" spellCheck={false} autoComplete="off" aria-describedby="import-ca-hint" />
        <p id="import-ca-hint" className="hint span">
          A PEM file on the Ferry host that signed the registry's certificate, if the system does not trust it already.
        </p>
        <span />
        <label className="inline">
          <input id="import-insecure" type="checkbox" checked={r.insecure} onChange={(e) => setRegistry({ insecure: e.target.checked })} /> Insecure: plain HTTP, or HTTPS without checking the certificate
        </label>
        <label htmlFor="import-map">Map rules</label>
        <textarea id="import-map" rows={2} value={r.map} onChange={(e) => setRegistry({ map: e.target.value })} placeholder="docker.io/library=registry.local:5000/mirror/lib" spellCheck={false} aria-describedby="import-map-hint" />
        <p id="import-map-hint" className="hint span">
          Optional, one SRC=DST a line: a source registry/path prefix and where its images go instead.
        </p>
      </div>
      <div className="actions">
        <button type="button" className="secondary" onClick={() => void previewMapping()} disabled={preview.status === 'running'}>
          Preview mapping
        </button>
      </div>
      <div aria-live="polite">
        {preview.status === 'failed' ? <ErrorMessage error={preview.error} /> : null}
        {preview.status === 'done' ? (
          <table className="images compact mapping">
            <caption>Mapping preview ({images.length} images; nothing pushed yet)</caption>
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col">Target</th>
                <th scope="col">Rule</th>
              </tr>
            </thead>
            <tbody>
              {images.map((image) => (
                <tr key={image.source}>
                  <th scope="row" className="reference">
                    {image.source}
                  </th>
                  <td className="reference">{image.target.replace(/@sha256:[0-9a-f]{64}$/, '')}</td>
                  <td>{image.rule ?? 'prefix'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </div>
    </>
  );
}

/** The folder target (`--to-dir`): the archive as one `ferry-<id>.tar` that k3s/k0s import at start. */
function FolderTarget() {
  const folder = useImport((s) => s.folder);
  const setFolder = useImport((s) => s.setFolder);
  return (
    <div className="grid-form">
      <label htmlFor="import-folder">Images folder</label>
      <input id="import-folder" type="text" value={folder} onChange={(e) => setFolder(e.target.value)} placeholder="/var/lib/rancher/k3s/agent/images" spellCheck={false} autoComplete="off" aria-describedby="import-folder-hint" />
      <p id="import-folder-hint" className="hint span">
        k3s: /var/lib/rancher/k3s/agent/images, k0s: /var/lib/k0s/images. Ferry writes ferry-&lt;id&gt;.tar there, complete or not at all.
      </p>
    </div>
  );
}

const PRESETS: { preset: ContainerdPreset; title: string }[] = [
  { preset: 'k3s', title: `k3s (${CONTAINERD_SOCKETS.k3s})` },
  { preset: 'k0s', title: `k0s (${CONTAINERD_SOCKETS.k0s})` },
  { preset: 'containerd', title: `containerd (${CONTAINERD_SOCKETS.containerd})` },
  { preset: 'custom', title: 'Another socket' },
];

/** The containerd target (`--to-containerd`): the socket of the node's containerd, picked from the usual ones or typed. */
function ContainerdTarget() {
  const form = useImport((s) => s.containerd);
  const setContainerd = useImport((s) => s.setContainerd);
  return (
    <div className="grid-form">
      <label htmlFor="import-containerd-preset">Kind of node</label>
      <select id="import-containerd-preset" value={form.preset} onChange={(e) => setContainerd({ preset: e.target.value as ContainerdPreset })}>
        {PRESETS.map((p) => (
          <option key={p.preset} value={p.preset}>
            {p.title}
          </option>
        ))}
      </select>
      <label htmlFor="import-containerd-address">containerd socket</label>
      <input
        id="import-containerd-address"
        type="text"
        value={form.address}
        onChange={(e) => setContainerd({ address: e.target.value })}
        placeholder={CONTAINERD_SOCKETS.containerd}
        spellCheck={false}
        autoComplete="off"
        aria-describedby="import-containerd-hint"
      />
      <p id="import-containerd-hint" className="hint span">
        Every image (all platforms) goes into containerd's k8s.io namespace through ctr on this machine, streamed from the checked parts; no copy is written.
      </p>
    </div>
  );
}

/** "Write charts to folder" / "Write files to folder", shown when the bundle carries charts / files. */
function OutputsFields() {
  const manifest = useImport((s) => s.inspection?.manifest);
  const chartsTo = useImport((s) => s.chartsTo);
  const filesTo = useImport((s) => s.filesTo);
  const setOutputs = useImport((s) => s.setOutputs);
  const charts = manifest?.charts?.length ?? 0;
  const files = manifest?.files?.length ?? 0;
  if (charts === 0 && files === 0) return null;
  return (
    <fieldset className="outputs">
      <legend>Charts and files the bundle carries</legend>
      <div className="grid-form">
        {charts > 0 ? (
          <>
            <label htmlFor="import-charts-to">Write charts to folder</label>
            <input id="import-charts-to" type="text" value={chartsTo} onChange={(e) => setOutputs({ chartsTo: e.target.value })} placeholder="/srv/charts" spellCheck={false} autoComplete="off" aria-describedby="import-charts-hint" />
            <p id="import-charts-hint" className="hint span">
              Optional: the {charts} chart{charts === 1 ? '' : 's'} as &lt;name&gt;-&lt;version&gt;.tgz (and .prov), for helm install. Empty: not written.
            </p>
          </>
        ) : null}
        {files > 0 ? (
          <>
            <label htmlFor="import-files-to">Write files to folder</label>
            <input id="import-files-to" type="text" value={filesTo} onChange={(e) => setOutputs({ filesTo: e.target.value })} placeholder="/srv/files" spellCheck={false} autoComplete="off" aria-describedby="import-files-hint" />
            <p id="import-files-hint" className="hint span">
              Optional: the {files} plain file{files === 1 ? '' : 's'} ({manifest?.files?.map((f) => f.name).join(', ')}), each checked against its sha256. Empty: not written.
            </p>
          </>
        ) : null}
      </div>
    </fieldset>
  );
}

/**
 * A delta bundle's needs at the chosen target: a registry must hold what it relies on (checked before anything is
 * pushed); a folder or containerd needs the complete archive, made from the delta and its **Base bundles**.
 */
function DeltaTarget({ kind }: { kind: TargetKind }) {
  const manifest = useImport((s) => s.inspection?.manifest);
  const bases = useImport((s) => s.bases);
  const baseText = useImport((s) => s.baseText);
  const baseError = useImport((s) => s.baseError);
  const checking = useImport((s) => s.checkingBase);
  const setBaseText = useImport((s) => s.setBaseText);
  const addBase = useImport((s) => s.addBase);
  const removeBase = useImport((s) => s.removeBase);
  const n = manifest ? deltaNumbers(manifest) : undefined;
  if (!n || kind === 'serve') return null;
  const relies = `This bundle is a delta: it relies on ${n.blobsHeld} ${n.blobsHeld === 1 ? 'blob' : 'blobs'} (${formatBytes(n.bytesHeld)}) held offline.`;
  if (kind === 'registry') {
    return (
      <p className="delta-note" role="note">
        {relies} Before pushing anything, Ferry looks for each of them in the registry (and mounts it from another repository there when needed); if any is missing, nothing is pushed and each missing blob is named.
      </p>
    );
  }
  return (
    <fieldset className="base-bundles">
      <legend>Base bundles</legend>
      <p id="import-base-hint" className="hint">
        {relies} A folder or containerd needs the complete archive: add the earlier bundle{(manifest?.delta?.against.length ?? 0) > 1 ? 's' : ''} it was made against (every volume of a set); Ferry verifies each and streams the complete archive from all of them.
      </p>
      <form
        className="key-row"
        onSubmit={(e) => {
          e.preventDefault();
          void addBase();
        }}
      >
        <label htmlFor="import-base" className="visually-hidden">
          Base bundle folder
        </label>
        <input id="import-base" type="text" value={baseText} onChange={(e) => setBaseText(e.target.value)} placeholder="/media/usb/last-week" spellCheck={false} autoComplete="off" aria-describedby="import-base-hint" />
        <button type="submit" className="secondary small" disabled={checking}>
          {checking ? 'Reading…' : 'Add base bundle'}
        </button>
      </form>
      {baseError ? <ErrorMessage error={baseError} /> : null}
      {bases.length > 0 ? (
        <ul className="chips" aria-label="Base bundles">
          {bases.map((b) => (
            <li key={b.path} className="chip">
              <span className="chip-path" title={b.path}>
                {b.path}
              </span>
              <span className="chip-detail hint">
                bundle {b.bundleId}
                {b.named ? ', made against it ✓' : ', not one this delta names'}
              </span>
              <button type="button" className="secondary small" onClick={() => removeBase(b.path)} aria-label={`Remove base bundle ${b.path}`}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="empty">No base bundles yet: without them the delta is refused (nothing is placed).</p>
      )}
    </fieldset>
  );
}

/** Step 3: where the bundle goes. */
export function TargetStep() {
  const kind = useImport((s) => s.targetKind);
  const setKind = useImport((s) => s.setTargetKind);
  const port = useImport((s) => s.port);
  const setPort = useImport((s) => s.setPort);
  return (
    <section className="import-step" aria-labelledby="import-target-title">
      <h2 id="import-target-title">3. Target</h2>
      <fieldset className="choice">
        <legend>Import into</legend>
        {KINDS.map(({ kind: k, title }) => (
          <label key={k}>
            <input type="radio" name="import-target" checked={kind === k} onChange={() => setKind(k)} /> {title}
          </label>
        ))}
      </fieldset>
      {kind === 'registry' ? <RegistryTarget /> : null}
      {kind === 'folder' ? <FolderTarget /> : null}
      {kind === 'containerd' ? <ContainerdTarget /> : null}
      <DeltaTarget kind={kind} />
      {kind === 'serve' ? null : <OutputsFields />}
      {kind === 'serve' ? (
        <div className="grid-form">
          <label htmlFor="import-port">Port on 127.0.0.1</label>
          <input id="import-port" type="text" inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} autoComplete="off" aria-describedby="import-port-hint" />
          <p id="import-port-hint" className="hint span">
            A read-only registry straight from the bundle, on this machine only, until you stop it (0 picks a free port).
          </p>
        </div>
      ) : null}
    </section>
  );
}
