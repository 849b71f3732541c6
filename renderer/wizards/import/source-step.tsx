import { formatBytes } from '../../../shared/format.js';
import { BundleFolderField } from '../../components/bundle-folder-field.js';
import { ErrorMessage } from '../../components/error-message.js';
import { useImport } from '../../store/stores-context.js';

/** Step 1: where the bundle is: a typed folder, or detected removable volumes (every volume of a set). */
export function SourceStep() {
  const sourceKind = useImport((s) => s.sourceKind);
  const folders = useImport((s) => s.folders);
  const volumes = useImport((s) => s.volumes);
  const volumesLoading = useImport((s) => s.volumesLoading);
  const volumesError = useImport((s) => s.volumesError);
  const chosen = useImport((s) => s.chosenVolumes);
  const opening = useImport((s) => s.opening);
  const openError = useImport((s) => s.openError);
  const setSourceKind = useImport((s) => s.setSourceKind);
  const setFolderAt = useImport((s) => s.setFolderAt);
  const addFolder = useImport((s) => s.addFolder);
  const removeFolder = useImport((s) => s.removeFolder);
  const loadVolumes = useImport((s) => s.loadVolumes);
  const toggleVolume = useImport((s) => s.toggleVolume);
  const open = useImport((s) => s.open);
  return (
    <section className="import-step" aria-labelledby="import-source-title">
      <h2 id="import-source-title">1. Source</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void open();
        }}
      >
        <fieldset className="choice">
          <legend>Where is the bundle?</legend>
          <label>
            <input type="radio" name="import-source" checked={sourceKind === 'folder'} onChange={() => setSourceKind('folder')} /> A folder
          </label>
          <label>
            <input type="radio" name="import-source" checked={sourceKind === 'media'} onChange={() => setSourceKind('media')} /> Removable media
          </label>
        </fieldset>
        {sourceKind === 'folder' ? (
          <div className="folder-list">
            <div className="field-row">
              <BundleFolderField id="import-path" value={folders[0] ?? ''} onChange={(p) => setFolderAt(0, p)} />
              {folders.length > 1 ? (
                <button type="button" className="secondary small" onClick={() => removeFolder(0)} aria-label="Remove bundle folder 1">
                  Remove
                </button>
              ) : null}
            </div>
            {folders.slice(1).map((folder, i) => (
              <div className="field-row" key={i + 1}>
                <label htmlFor={`import-path-${i + 2}`}>Volume folder {i + 2}</label>
                <input id={`import-path-${i + 2}`} type="text" value={folder} onChange={(e) => setFolderAt(i + 1, e.target.value)} placeholder="/media/STICK2" spellCheck={false} autoComplete="off" aria-describedby="import-path-hint" />
                <button type="button" className="secondary small" onClick={() => removeFolder(i + 1)} aria-label={`Remove volume folder ${i + 2}`}>
                  Remove
                </button>
              </div>
            ))}
            <p id="import-path-hint" className="hint">
              The folder holding bundle.json, on the machine running Ferry. A set on several sticks: add every volume's folder.
            </p>
            <div className="actions">
              <button type="button" className="secondary small" onClick={addFolder}>
                Add folder
              </button>
            </div>
          </div>
        ) : (
          <div className="volumes">
            <div className="actions">
              <button type="button" className="secondary" onClick={() => void loadVolumes()} disabled={volumesLoading}>
                {volumesLoading ? 'Looking…' : 'Look for media again'}
              </button>
            </div>
            {volumesError ? <ErrorMessage error={volumesError} /> : null}
            {volumes && volumes.length === 0 ? <p className="empty">No removable media found. Plug in the stick (or every stick of the set) and look again, or type the folder instead.</p> : null}
            {volumes && volumes.length > 0 ? (
              <fieldset className="volume-list">
                <legend>Volumes holding the bundle (choose every volume of a multi-volume set)</legend>
                {volumes.map((v) =>
                  v.mount === null ? (
                    <p key={v.device} className="hint">
                      {v.label || v.device} ({v.device}) is not mounted: mount it to use it.
                    </p>
                  ) : (
                  <label key={v.mount}>
                    <input type="checkbox" checked={chosen.includes(v.mount)} onChange={() => toggleVolume(v.mount!)} /> <strong>{v.label || v.mount}</strong>{' '}
                    <span className="hint">
                      {v.mount} · {v.fsType} · {formatBytes(v.capacity)}
                      {v.readOnly ? ' · read-only' : ''}
                    </span>
                  </label>
                  ),
                )}
              </fieldset>
            ) : null}
          </div>
        )}
        <div className="actions">
          <button type="submit" disabled={opening}>
            {opening ? 'Opening…' : 'Open bundle'}
          </button>
        </div>
      </form>
      {openError ? <ErrorMessage error={openError} /> : null}
    </section>
  );
}
