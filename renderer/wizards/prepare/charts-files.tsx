import { formatBytes } from '../../../shared/format.js';
import { ErrorMessage } from '../../components/error-message.js';
import type { CarriedSource } from '../../store/prepare-store.js';
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

/** Step 1's "Charts and files": Helm charts and plain files carried beside the images, each checked by the host when added. */
export function ChartsAndFiles() {
  const charts = usePrepare((s) => s.charts);
  const files = usePrepare((s) => s.files);
  const chartText = usePrepare((s) => s.chartText);
  const fileText = usePrepare((s) => s.fileText);
  const setChartText = usePrepare((s) => s.setChartText);
  const setFileText = usePrepare((s) => s.setFileText);
  const addChart = usePrepare((s) => s.addChart);
  const addFile = usePrepare((s) => s.addFile);
  const removeChart = usePrepare((s) => s.removeChart);
  const removeFile = usePrepare((s) => s.removeFile);
  const chartError = usePrepare((s) => s.chartError);
  const fileError = usePrepare((s) => s.fileError);
  const checking = usePrepare((s) => s.checkingSource);
  return (
    <section aria-labelledby="charts-files" className="charts-files">
      <h3 id="charts-files">Charts and files</h3>
      <div className="sources">
        <div className="source-column">
          <form
            className="field"
            onSubmit={(e) => {
              e.preventDefault();
              void addChart();
            }}
          >
            <label htmlFor="chart-source">Helm chart</label>
            <input
              id="chart-source"
              type="text"
              value={chartText}
              onChange={(e) => setChartText(e.target.value)}
              placeholder="https://charts.example/repo/NAME@VERSION or oci://HOST/PATH/NAME:VERSION"
              aria-describedby="chart-hint"
              aria-invalid={chartError ? true : undefined}
              spellCheck={false}
              autoComplete="off"
            />
            <button type="submit" className="secondary" disabled={checking}>
              Add chart
            </button>
            <span id="chart-hint" className="hint">
              A chart repository URL, the chart name and its version; or an OCI registry path with the version as tag.
            </span>
          </form>
          {chartError ? <ErrorMessage error={chartError} /> : null}
          {charts.length === 0 ? (
            <p className="empty">No charts: type one above and press Add chart, or load a YAML list file with charts.</p>
          ) : (
            <ul className="source-list" aria-label="Charts to carry">
              {charts.map((c) => (
                <SourceRow key={c.source} item={c} kind="chart" onRemove={removeChart} />
              ))}
            </ul>
          )}
        </div>
        <div className="source-column">
          <form
            className="field"
            onSubmit={(e) => {
              e.preventDefault();
              void addFile();
            }}
          >
            <label htmlFor="file-source">Plain file</label>
            <input
              id="file-source"
              type="text"
              value={fileText}
              onChange={(e) => setFileText(e.target.value)}
              placeholder="/home/me/install.sh or https://example.com/tool.tar.gz"
              aria-describedby="file-hint"
              aria-invalid={fileError ? true : undefined}
              spellCheck={false}
              autoComplete="off"
            />
            <button type="submit" className="secondary" disabled={checking}>
              Add file
            </button>
            <span id="file-hint" className="hint">
              A path on the machine running Ferry, or an http(s) URL; carried as files/NAME.
            </span>
          </form>
          {fileError ? <ErrorMessage error={fileError} /> : null}
          {files.length === 0 ? (
            <p className="empty">No files: type a path or URL above and press Add file.</p>
          ) : (
            <ul className="source-list" aria-label="Files to carry">
              {files.map((f) => (
                <SourceRow key={f.source} item={f} kind="file" onRemove={removeFile} />
              ))}
            </ul>
          )}
        </div>
      </div>
    </section>
  );
}
