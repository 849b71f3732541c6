import { useRef, useState, type DragEvent } from 'react';
import { ErrorMessage } from '../../components/error-message.js';
import { usePrepare } from '../../store/stores-context.js';
import { BuildStep } from './build-step.js';
import { BundlePicture } from './bundle-picture.js';
import { ChartsAndFiles } from './charts-files.js';
import { DeltaHoldings } from './delta-holdings.js';
import { ImageList } from './image-list.js';
import { LoginDialog } from './login-dialog.js';
import { MediaStep } from './media-step.js';
import { OptionsStep } from './options-step.js';
import { PlatformStep } from './platform-step.js';
import { FieldProblem } from './problem-list.js';
import './prepare.css';

/** Step 1: paste a list or load a list file; each row resolves live. */
function ImagesStep() {
  const listText = usePrepare((s) => s.listText);
  const setListText = usePrepare((s) => s.setListText);
  const listPath = usePrepare((s) => s.listPath);
  const setListPath = usePrepare((s) => s.setListPath);
  const loadList = usePrepare((s) => s.loadList);
  const loading = usePrepare((s) => s.loadingList);
  const listError = usePrepare((s) => s.listError);
  const listNote = usePrepare((s) => s.listNote);
  const insecureText = usePrepare((s) => s.insecureText);
  const setInsecureText = usePrepare((s) => s.setInsecureText);
  const retry = usePrepare((s) => s.retryResolve);
  const appendListText = usePrepare((s) => s.appendListText);
  const commitList = usePrepare((s) => s.commitList);
  // a paste of whole lines is read at once; typing waits for a pause (or leaving the field)
  const pasted = useRef(false);
  const [dragging, setDragging] = useState(false);
  const onDragOver = (e: DragEvent<HTMLDivElement>): void => {
    if (!e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    setDragging(true);
  };
  // the dropped file is read by the browser (File API): user-given content, no host file access
  const onDrop = (e: DragEvent<HTMLDivElement>): void => {
    e.preventDefault();
    setDragging(false);
    const files = [...e.dataTransfer.files];
    void (async () => {
      for (const file of files) appendListText(await file.text(), file.name);
    })();
  };
  return (
    <section aria-labelledby="step-images" className="step">
      <h2 id="step-images">1. Images</h2>
      <div className="images-input">
        <div
          className={`field column drop-zone${dragging ? ' dragging' : ''}`}
          role="group"
          aria-label="Image list (drop a list file here)"
          onDragOver={onDragOver}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <label htmlFor="image-list">Image references (one per line, # comments)</label>
          <textarea
            id="image-list"
            rows={5}
            value={listText}
            onChange={(e) => {
              setListText(e.target.value, { now: pasted.current });
              pasted.current = false;
            }}
            onPaste={(e) => {
              pasted.current = /\n/.test(e.clipboardData.getData('text'));
            }}
            onBlur={commitList}
            placeholder={'docker.io/library/nginx:1.27\n# the output of k0s airgap list-images works as is'}
            spellCheck={false}
          />
          <span className="hint">Drop a list file (airgap-images.txt) here, or load one by path.</span>
        </div>
        <div className="side">
          <form
            className="field"
            onSubmit={(e) => {
              e.preventDefault();
              void loadList();
            }}
          >
            <label htmlFor="list-path">List file</label>
            <input id="list-path" type="text" value={listPath} onChange={(e) => setListPath(e.target.value)} placeholder="/home/me/airgap-images.txt" spellCheck={false} autoComplete="off" />
            <button type="submit" className="secondary" disabled={loading}>
              {loading ? 'Loading…' : 'Load'}
            </button>
          </form>
          <div className="field">
            <label htmlFor="insecure">Insecure registries</label>
            <input id="insecure" type="text" value={insecureText} onChange={(e) => setInsecureText(e.target.value)} placeholder="host:port (plain HTTP), space separated" spellCheck={false} autoComplete="off" />
            <button type="button" className="secondary" onClick={retry}>
              Retry
            </button>
          </div>
        </div>
      </div>
      {listError ? <ErrorMessage error={listError} /> : null}
      {listNote ? (
        <p className="hint" role="status">
          {listNote}
        </p>
      ) : null}
      <FieldProblem field="images" />
      <ImageList />
      <ChartsAndFiles />
      <FieldProblem field="sources" />
      <DeltaHoldings />
      <LoginDialog />
    </section>
  );
}

/** The Prepare wizard (field engineer): images, platforms, options, build, then the result and writing it to media. */
export function PrepareWizard() {
  const build = usePrepare((s) => s.build);
  return (
    <div className="wizard prepare">
      <ImagesStep />
      <PlatformStep />
      <OptionsStep />
      <BuildStep />
      {build.status === 'done' ? (
        <>
          <BundlePicture manifest={build.result.manifest} />
          <MediaStep />
        </>
      ) : null}
    </div>
  );
}
