import { useEffect, useRef } from 'react';
import type { BundleInspectResult } from '../../../shared/api-contract.js';
import { formatBytes } from '../../../shared/format.js';
import { WarningList } from '../../components/warning-list.js';

/** What the opened bundle carries: its images, charts and files, and its parts. */
export function BundleContents({ inspection, dirs }: { inspection: BundleInspectResult; dirs: string[] }) {
  const m = inspection.manifest;
  const heading = useRef<HTMLHeadingElement>(null);
  // a keyboard or screen-reader user lands on what was opened
  useEffect(() => heading.current?.focus(), [inspection]);
  return (
    <section className="import-step bundle-contents" aria-labelledby="import-bundle-title">
      <h2 id="import-bundle-title" ref={heading} tabIndex={-1}>Bundle {m.id}</h2>
      <p className="hint">
        From {dirs.join(', ')} · created {m.created} · {formatBytes(m.archive.size)} in {m.archive.parts.length} {m.archive.parts.length === 1 ? 'part' : 'parts'}
      </p>
      <WarningList warnings={inspection.warnings} hints={inspection.hints} surface="import" />
      <table className="images compact">
        <caption>Carried ({m.images.length} images, {m.charts.length} charts, {m.files.length} files)</caption>
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Name</th>
            <th scope="col">Digest</th>
            <th scope="col" className="num">
              Size
            </th>
          </tr>
        </thead>
        <tbody>
          {m.images.map((image) => (
            <tr key={`i:${image.reference}@${image.digest}`}>
              <td>image</td>
              <th scope="row" className="reference">
                {image.reference}
              </th>
              <td>
                <code className="digest">{image.digest}</code>
              </td>
              <td className="num">{formatBytes(image.size)}</td>
            </tr>
          ))}
          {m.charts.map((chart) => (
            <tr key={`c:${chart.name}:${chart.version}`}>
              <td>chart</td>
              <th scope="row" className="reference">
                {chart.name} {chart.version}
              </th>
              <td>
                <code className="digest">{chart.digest}</code>
              </td>
              <td className="num">{formatBytes(chart.size)}</td>
            </tr>
          ))}
          {m.files.map((file) => (
            <tr key={`f:${file.name}`}>
              <td>file</td>
              <th scope="row" className="reference">
                {file.name}
              </th>
              <td>
                <code className="digest">sha256:{file.sha256}</code>
              </td>
              <td className="num">{formatBytes(file.size)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
