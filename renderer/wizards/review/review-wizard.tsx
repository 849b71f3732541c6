import { formatBytes } from '../../../shared/format.js';
import { BundleFolderField } from '../../components/bundle-folder-field.js';
import { ErrorMessage } from '../../components/error-message.js';
import { WarningList } from '../../components/warning-list.js';
import { useReview } from '../../store/stores-context.js';
import { ImageTable } from './image-table.js';
import { VerifyPanel } from './verify-panel.js';
import { openBundle } from '../../store/review-store.js';
import { ApprovePanel, ReportPanel } from './approve-panel.js';
import { CopiesNotice } from './copies-notice.js';
import { SignaturesPanel } from './signatures-panel.js';
import { CarriedArtifacts, ChartsAndFiles } from './carried-artifacts.js';
import { TrustSettings } from './trust-settings.js';
import { DeltaLabel, WhatChanged } from './delta-panels.js';
import './review.css';

/** The Review wizard (security officer): open a bundle folder, read what it carries, verify it. */
export function ReviewWizard() {
  const path = useReview((s) => s.path);
  const opening = useReview((s) => s.bundle.status === 'running');
  const inspection = useReview(openBundle);
  const openError = useReview((s) => (s.bundle.status === 'failed' ? s.bundle.error : undefined));
  const setPath = useReview((s) => s.setPath);
  const open = useReview((s) => s.open);
  const manifest = inspection?.manifest;
  const lacking = manifest?.images.filter((i) => (i.missingPlatforms?.length ?? 0) > 0).length ?? 0;
  return (
    <div className="wizard review">
      <form
        className="open-bundle"
        onSubmit={(e) => {
          e.preventDefault();
          void open();
        }}
      >
        <BundleFolderField id="bundle-path" value={path} onChange={setPath} />
        <button type="submit" disabled={opening}>
          {opening ? 'Opening…' : 'Open'}
        </button>
        <p id="bundle-path-hint" className="hint">
          The folder holding bundle.json, the bundle.json itself, or a volume of a multi-volume set, on the machine running Ferry.
        </p>
      </form>
      {openError ? <ErrorMessage error={openError} surface="review" /> : null}
      {!manifest && !openError ? <p className="empty">Open a bundle folder to review the images it carries before it crosses.</p> : null}
      {manifest ? (
        <>
          <section aria-labelledby="bundle-title" className="bundle-summary">
            <h2 id="bundle-title">Bundle {manifest.id}</h2>
            <DeltaLabel manifest={manifest} />
            <dl>
              <dt>Created</dt>
              <dd>
                {manifest.created} by {manifest.tool.name} {manifest.tool.version}
              </dd>
              <dt>Archive</dt>
              <dd>
                {formatBytes(manifest.archive.size)} in {manifest.archive.parts.length} {manifest.archive.parts.length === 1 ? 'part' : 'parts'}
                {manifest.archive.parity ? `, ${manifest.archive.parity.parts.length} parity` : ''}
              </dd>
              <dt>Platforms</dt>
              <dd>
                {manifest.platforms?.join(', ') ?? 'every platform, as published'}
                {lacking > 0 ? (
                  <span className="warn missing-platforms-count" role="note">
                    {' '}
                    ⚠ {lacking} {lacking === 1 ? 'image lacks' : 'images lack'} a chosen platform (marked in the table)
                  </span>
                ) : null}
              </dd>
              <dt>Contents</dt>
              <dd>
                {manifest.images.length} {manifest.images.length === 1 ? 'image' : 'images'}, {manifest.charts.length} {manifest.charts.length === 1 ? 'chart' : 'charts'}, {manifest.files.length} {manifest.files.length === 1 ? 'file' : 'files'}; {manifest.blobs.length} distinct blobs
              </dd>
              <dt>bundle.json sha256</dt>
              <dd>
                <code className="digest">{inspection.bundleSha256}</code>
              </dd>
            </dl>
            <WarningList warnings={inspection.warnings} hints={inspection.hints} surface="review" />
            <CopiesNotice />
          </section>
          <SignaturesPanel />
          <ImageTable manifest={manifest} />
          <WhatChanged />
          <ChartsAndFiles manifest={manifest} />
          <CarriedArtifacts manifest={manifest} />
          <TrustSettings />
          <VerifyPanel />
          <ApprovePanel />
          <ReportPanel />
        </>
      ) : null}
    </div>
  );
}
