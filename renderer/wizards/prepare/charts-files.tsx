import type { SerializedError } from '../../../shared/errors.js';
import { formatBytes } from '../../../shared/format.js';
import { ErrorMessage } from '../../components/error-message.js';
import type { CarriedSource } from '../../store/prepare-store.js';
import { useShallow } from 'zustand/react/shallow';
import { usePrepare } from '../../store/stores-context.js';

/** One chart or file row: what it is, the host's verdict, and a Remove button naming it. */
function SourceRow({ item, kind, onRemove }: { item: CarriedSource; kind: 'chart' | 'file'; onRemove: (source: string) => void }) {
  const what = kind === 'chart' ? (item.name ? `${item.name} ${item.version ?? ''}`.trim() : item.source) : item.name ? `files/${item.name}` : item.source;
  return (
    <li className={`source-row${item.error ? ' bad' : ''}`}>
      <span className="source-what">
        {what}
        {item.size !== undefined ? <span className="muted"> · {formatBytes(item.size)}</span> : null}
      </span>
      <span className="source-detail muted" title={item.source}>
        {item.source}
      </span>
      {item.error ? <span className="status bad">{item.error.message}</span> : null}
      <button type="button" className="secondary small" onClick={() => onRemove(item.source)} aria-label={`Remove ${kind} ${item.source}`}>
        Remove
      </button>
    </li>
  );
}

/** What one column of "Charts and files" shows and does. */
interface SourceColumnProps {
  kind: 'chart' | 'file';
  label: string;
  placeholder: string;
  hint: string;
  empty: string;
  listLabel: string;
  text: string;
  items: CarriedSource[];
  error: SerializedError | undefined;
  checking: boolean;
  setText(text: string): void;
  add(): Promise<unknown>;
  remove(source: string): void;
}

/** One column: the source field with its Add button and hint, the host's refusal, and the rows added. */
function SourceColumn(p: SourceColumnProps) {
  const id = `${p.kind}-source`;
  return (
    <div className="source-column">
      <form
        className="field"
        onSubmit={(e) => {
          e.preventDefault();
          void p.add();
        }}
      >
        <label htmlFor={id}>{p.label}</label>
        <input
          id={id}
          type="text"
          value={p.text}
          onChange={(e) => p.setText(e.target.value)}
          placeholder={p.placeholder}
          aria-describedby={`${p.kind}-hint`}
          aria-invalid={p.error ? true : undefined}
          spellCheck={false}
          autoComplete="off"
        />
        <button type="submit" className="secondary" disabled={p.checking}>
          Add {p.kind}
        </button>
        <span id={`${p.kind}-hint`} className="hint">
          {p.hint}
        </span>
      </form>
      {p.error ? <ErrorMessage error={p.error} /> : null}
      {p.items.length === 0 ? (
        <p className="empty">{p.empty}</p>
      ) : (
        <ul className="source-list" aria-label={p.listLabel}>
          {p.items.map((item) => (
            <SourceRow key={item.source} item={item} kind={p.kind} onRemove={p.remove} />
          ))}
        </ul>
      )}
    </div>
  );
}

/** Step 1's "Charts and files": Helm charts and plain files carried beside the images, each checked by the host when added. */
export function ChartsAndFiles() {
  // only what this section shows: not every change of the (large) Prepare state
  const s = usePrepare(
    useShallow((p) => ({
      chartText: p.chartText,
      charts: p.charts,
      chartError: p.chartError,
      fileText: p.fileText,
      files: p.files,
      fileError: p.fileError,
      checkingSource: p.checkingSource,
      setChartText: p.setChartText,
      setFileText: p.setFileText,
      addChart: p.addChart,
      addFile: p.addFile,
      removeChart: p.removeChart,
      removeFile: p.removeFile,
    })),
  );
  return (
    <section aria-labelledby="charts-files" className="charts-files">
      <h3 id="charts-files">Charts and files</h3>
      <div className="sources">
        <SourceColumn
          kind="chart"
          label="Helm chart"
          placeholder="https://charts.example/repo/NAME@VERSION or oci://HOST/PATH/NAME:VERSION"
          hint="A chart repository URL, the chart name and its version; or an OCI registry path with the version as tag."
          empty="No charts: type one above and press Add chart, or load a YAML list file with charts."
          listLabel="Charts to carry"
          text={s.chartText}
          items={s.charts}
          error={s.chartError}
          checking={s.checkingSource}
          setText={s.setChartText}
          add={s.addChart}
          remove={s.removeChart}
        />
        <SourceColumn
          kind="file"
          label="Plain file"
          placeholder="/home/me/install.sh or https://example.com/tool.tar.gz"
          hint="A path on the machine running Ferry, or an http(s) URL; carried as files/NAME."
          empty="No files: type a path or URL above and press Add file."
          listLabel="Files to carry"
          text={s.fileText}
          items={s.files}
          error={s.fileError}
          checking={s.checkingSource}
          setText={s.setFileText}
          add={s.addFile}
          remove={s.removeFile}
        />
      </div>
    </section>
  );
}
