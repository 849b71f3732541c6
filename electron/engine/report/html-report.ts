import type { BundleManifest, ImageRecord } from '../../../shared/bundle-manifest.js';
import type { DiffImage, DiffReport, DiffSide } from '../../../shared/diff-report.js';
import { escapeControl, formatBytes, formatPlatformRecord } from '../../../shared/format.js';
import type { CosignReport, IntegrityReport, PolicyReport, TrustReport } from '../../../shared/verify-report.js';
import type { ArtifactSummary } from '../referrers/summarize-artifacts.js';
import { describeCosignVia } from '../referrers/verify-cosign.js';
import { DELTA_NOT_LOADABLE, describeDelta } from '../bundle/describe-delta.js';

/** Everything a review report shows: the manifest, and whatever checks were run on it. */
export interface ReviewReportInput {
  manifest: BundleManifest;
  /** sha256 of the exact bytes of `bundle.json` (what signatures bind). */
  bundleSha256: string;
  warnings: string[];
  /** When the report was made (ISO time). */
  generated: string;
  integrity?: IntegrityReport;
  trust?: TrustReport;
  policy?: PolicyReport;
  cosign?: CosignReport;
  /** Per image reference: its carried SBOMs and attestations, read from the archive. */
  artifacts?: Map<string, ArtifactSummary[]>;
  /** What changed against an older bundle or an inventory (`ferry inspect --html --against OLD`). */
  diff?: DiffReport;
}

/**
 * Renders a bundle review as one self-contained HTML page: no scripts, no external assets (a CSP
 * forbids them), styles inline, laid out to print on A4/Letter. Every value from the bundle is escaped.
 */
export function renderHtmlReport(input: ReviewReportInput): string {
  const { manifest } = input;
  const totalBlobBytes = manifest.blobs.reduce((n, b) => n + b.size, 0);
  const delta = describeDelta(manifest);
  const verdicts = [
    input.integrity &&
      verdict(
        'Integrity',
        input.integrity.ok,
        `${input.integrity.ok ? `${input.integrity.blobsChecked} blobs checked` : `${input.integrity.faults.length} fault(s)`}${input.integrity.reliesOn ? `; relies on ${input.integrity.reliesOn.count} held offline` : ''}`,
      ),
    input.trust && verdict('Signatures', input.trust.ok, input.trust.ok ? 'trusted' : `${input.trust.problems.length} problem(s)`),
    input.cosign && verdict('Cosign', input.cosign.ok, input.cosign.ok ? 'every image signed' : `${input.cosign.images.filter((i) => i.verdict !== 'signed-by-key').length} image(s) not signed`),
    input.policy && verdict('Policy', input.policy.ok, input.policy.ok ? 'no violations' : `${input.policy.violations.length} violation(s)`),
  ].filter(Boolean);

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ferry bundle ${esc(manifest.id)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Ferry bundle review</h1>
<dl class="meta">
<dt>Bundle id</dt><dd><code>${esc(manifest.id)}</code></dd>
<dt>Created</dt><dd>${esc(manifest.created)} by ${esc(manifest.tool.name)} ${esc(manifest.tool.version)}</dd>
<dt>bundle.json sha256</dt><dd><code>${esc(input.bundleSha256)}</code></dd>
<dt>Platforms</dt><dd>${manifest.platforms?.length ? manifest.platforms.map(esc).join(', ') : 'all (as published)'}</dd>
<dt>Contents</dt><dd>${manifest.images.length} image(s), ${(manifest.charts ?? []).length} chart(s), ${(manifest.files ?? []).length} file(s), ${manifest.blobs.length} distinct blobs, ${esc(formatBytes(totalBlobBytes))}${delta ? ` carried; ${delta.blobsOmitted} more (${esc(formatBytes(delta.bytesOmitted))}) held offline` : ''}</dd>
${delta ? `<dt>Kind</dt><dd><span class="tag bad">delta</span> relies on ${delta.blobsOmitted} blob(s), ${esc(formatBytes(delta.bytesOmitted))}, held offline: not loadable alone</dd>` : ''}
<dt>Report made</dt><dd>${esc(input.generated)}</dd>
</dl>
${verdicts.length ? `<div class="verdicts">${verdicts.join('')}</div>` : '<p class="note">No checks were run for this report (integrity, signatures, policy): verify the bundle first (<b>Verify</b> in the app’s Review, or <code>ferry verify</code>).</p>'}
</header>
${deltaSection(manifest)}
${input.diff ? diffSection(input.diff) : ''}
${input.warnings.length ? `<section><h2>Warnings</h2><ul class="warn">${input.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></section>` : ''}
<section>
<h2>Images</h2>
<table>
<thead><tr><th>Image</th><th>Digests</th><th>Platforms</th><th class="num">Size</th></tr></thead>
<tbody>
${manifest.images.map((image) => imageRow(image, delta !== undefined)).join('\n')}
</tbody>
</table>
</section>
${foreignSection(manifest)}
${chartsSection(manifest)}
${filesSection(manifest)}
${input.trust ? trustSection(input.trust) : ''}
${input.cosign ? cosignSection(input.cosign) : ''}
${artifactsSection(manifest, input.artifacts)}
${input.policy ? policySection(input.policy) : ''}
${input.integrity ? integritySection(input.integrity) : ''}
<section>
<h2>Archive</h2>
<p><code>${esc(manifest.archive.name)}</code>, ${esc(manifest.archive.format)}, ${esc(formatBytes(manifest.archive.size))}<br>sha256 <code>${esc(manifest.archive.sha256)}</code></p>
<table>
<thead><tr><th>Part</th><th class="num">Size</th><th>sha256</th></tr></thead>
<tbody>
${[...manifest.archive.parts, ...(manifest.archive.parity?.parts ?? [])]
  .map((p) => `<tr><td><code>${esc(p.name)}</code></td><td class="num">${esc(formatBytes(p.size))}</td><td><code class="digest">${esc(p.sha256)}</code></td></tr>`)
  .join('\n')}
</tbody>
</table>
${manifest.archive.parity ? `<p>Parity: ${manifest.archive.parity.parts.length} part(s) (${esc(manifest.archive.parity.scheme)}); any ${manifest.archive.parity.parts.length} lost or damaged part(s) can be rebuilt (<b>Repair</b> in the app’s Import, or <code>ferry repair</code>).</p>` : ''}
</section>
<section class="blobs">
<h2>Blobs</h2>
<table>
<thead><tr><th>Digest</th><th>Media type</th><th class="num">Size</th></tr></thead>
<tbody>
${manifest.blobs.map((b) => `<tr><td><code class="digest">${esc(b.digest)}</code></td><td>${esc(b.mediaType)}</td><td class="num">${esc(formatBytes(b.size))}</td></tr>`).join('\n')}
</tbody>
</table>
</section>
<footer>Made by Ferry from <code>bundle.json</code>. The report is only as good as the checks listed at the top: verify the bundle itself (<b>Verify</b> in the app, or <code>ferry verify</code>) before it crosses.</footer>
</body>
</html>
`;
}

function imageRow(image: ImageRecord, isDelta: boolean): string {
  const platforms = image.manifests.map((m) => (m.platform ? formatPlatformRecord(m.platform) : '')).filter((p) => p && p !== 'unknown/unknown');
  const digests =
    image.digest === image.originalDigest
      ? `<code class="digest">${esc(image.digest)}</code> <span class="tag">as published</span>`
      : `original <code class="digest">${esc(image.originalDigest)}</code><br>carried <code class="digest">${esc(image.digest)}</code> <span class="tag">platforms filtered</span>`;
  return `<tr>
<td><strong>${esc(image.reference)}</strong><br><span class="sub">asked as <code>${esc(image.source)}</code> from ${esc(image.registry)}</span>${image.dockerLoadable ? '' : `<br><span class="tag bad">not in manifest.json (docker load cannot load it${isDelta ? ': it relies on blobs held offline, or a layer is not carried' : ''})</span>`}</td>
<td>${digests}</td>
<td>${platforms.length ? platforms.map(esc).join('<br>') : '—'}${missingPlatformsCell(image)}</td>
<td class="num">${esc(formatBytes(image.size))}</td>
</tr>`;
}

/** The platforms asked for that the image lacks (`missingPlatforms`), marked so the reviewer sees which nodes cannot run it. */
function missingPlatformsCell(image: ImageRecord): string {
  const missing = image.missingPlatforms ?? [];
  if (missing.length === 0) return '';
  return `<br><span class="tag bad">missing</span> ${missing.map((p) => `<span class="missing-platform">${esc(p)}</span>`).join(', ')}<br><span class="sub">not published: nodes of ${missing.length === 1 ? 'that platform' : 'those platforms'} cannot run it</span>`;
}

/** A delta (`ferry bundle --have`): what it was made against, every blob it relies on, and why it is not loadable alone. */
function deltaSection(manifest: BundleManifest): string {
  const delta = describeDelta(manifest);
  if (!delta) return '';
  const omitted = manifest.delta!.omitted;
  return `<section class="delta"><h2>Delta: relies on what the offline side holds</h2>
<p><strong>${esc(delta.headline)}</strong></p>
<p>${esc(DELTA_NOT_LOADABLE)}</p>
<table><thead><tr><th>Made against</th><th>sha256</th><th>Signed by</th><th>Made</th></tr></thead><tbody>
${delta.against.map((a) => `<tr><td>${a.kind === 'bundle' ? `bundle <code>${esc(a.bundleId ?? '')}</code>` : 'inventory'}</td><td><code class="digest">${esc(a.sha256)}</code></td><td>${a.signer ? `<code>${esc(a.signer.slice(0, 16))}</code>` : '<span class="tag bad">not checked</span>'}</td><td>${esc(a.created ?? '')}</td></tr>`).join('\n')}
</tbody></table>
<table><thead><tr><th>Blob held offline (not carried)</th><th>Media type</th><th>Held in</th><th class="num">Size</th></tr></thead><tbody>
${omitted.map((o) => `<tr><td><code class="digest">${esc(o.digest)}</code></td><td>${esc(o.mediaType)}</td><td>${o.repository ? `<code>${esc(o.repository)}</code>` : '—'}</td><td class="num">${esc(formatBytes(o.size))}</td></tr>`).join('\n')}
</tbody></table></section>`;
}

/** "What changed" against OLD (`--against`): the counts, one row per image with both digests, platforms and new bytes. */
function diffSection(diff: DiffReport): string {
  const { counts } = diff;
  const side = (label: string, s: DiffSide): string =>
    `<dt>${label}</dt><dd>${s.kind === 'bundle' ? `bundle <code>${esc(s.bundleId ?? '')}</code>` : `inventory sha256 <code class="digest">${esc(s.sha256)}</code>`}, made ${esc(s.created)}<br><span class="sub"><code class="digest">${esc(s.path)}</code>: ${s.images} image(s), ${s.blobs} blob(s), ${esc(formatBytes(s.bytes))}${s.delta ? `; a delta relying on ${s.delta.blobsReliedOn} blob(s), ${esc(formatBytes(s.delta.bytesReliedOn))}, held offline` : ''}</span></dd>`;
  const platforms = (p: string[] | null | undefined, separator = '<br>'): string => (p === null ? '<span class="sub">unknown</span>' : p?.length ? p.map(esc).join(separator) : '—');
  const row = (image: DiffImage): string => {
    const digests =
      image.old && image.new && image.old.digest === image.new.digest
        ? `<code class="digest">${esc(image.new.digest)}</code> <span class="tag">same</span>`
        : [image.old ? `old <code class="digest">${esc(image.old.digest)}</code>` : '', image.new ? `new <code class="digest">${esc(image.new.digest)}</code>` : ''].filter(Boolean).join('<br>');
    const samePlatforms = image.old && image.new && JSON.stringify(image.old.platforms) === JSON.stringify(image.new.platforms);
    const platformCell = image.old && image.new && !samePlatforms ? `old ${platforms(image.old.platforms, ', ')}<br>new ${platforms(image.new.platforms, ', ')}` : platforms((image.new ?? image.old)?.platforms);
    const bytes = !image.new ? '—' : image.newBytes == null || image.totalBytes == null ? '<span class="sub">unknown</span>' : `${esc(formatBytes(image.newBytes))} of ${esc(formatBytes(image.totalBytes))}`;
    const also = [
      image.matchedByPath && image.old ? `OLD names it <code>${esc(image.old.name)}</code>` : '',
      image.otherTagsInOld?.length ? `OLD holds ${image.otherTagsInOld.map((t) => `<code>${esc(t)}</code>`).join(', ')}` : '',
    ].filter(Boolean);
    return `<tr class="${esc(image.change)}"><td><span class="tag${image.change === 'unchanged' ? '' : ' bad'}">${esc(image.change)}</span></td><td><strong>${esc(image.name)}</strong>${also.length ? `<br><span class="sub">${also.join('<br>')}</span>` : ''}</td><td>${digests}</td><td>${platformCell}</td><td class="num">${bytes}</td></tr>`;
  };
  return `<section class="diff"><h2>What changed</h2>
<p><strong>${counts.added} added, ${counts.changed} changed, ${counts.removed} removed (in OLD, not in this bundle), ${counts.unchanged} unchanged.</strong> New in this transfer: ${diff.blobsAdded.count} blob(s), ${esc(formatBytes(diff.blobsAdded.bytes))} of the ${esc(formatBytes(diff.new.bytes))} carried.</p>
<dl class="meta">${side('Against (OLD)', diff.old)}${side('This bundle (NEW)', diff.new)}</dl>
${diff.images.length ? `<table><thead><tr><th>Change</th><th>Image</th><th>Digests</th><th>Platforms</th><th class="num">New bytes</th></tr></thead><tbody>
${diff.images.map(row).join('\n')}
</tbody></table>` : '<p>Neither side holds an image.</p>'}
${diff.notes.length ? `<ul class="note">${diff.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
${diff.warnings.length ? `<ul class="warn">${diff.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}
</section>`;
}

function chartsSection(manifest: BundleManifest): string {
  const charts = manifest.charts ?? [];
  if (charts.length === 0) return '';
  const rows = charts.map(
    (c) =>
      `<tr><td><strong>${esc(c.name)}</strong> ${esc(c.version)}<br><span class="sub">from <code>${esc(c.source)}</code></span>${c.provenance ? '<br><span class="tag">provenance carried</span>' : ''}</td><td>artifact <code class="digest">${esc(c.digest)}</code><br>chart <code class="digest">${esc(c.chartDigest)}</code></td><td>${c.images.length ? c.images.map((i) => `<code>${esc(i)}</code>`).join('<br>') : '—'}</td><td class="num">${esc(formatBytes(c.size))}</td></tr>`,
  );
  return `<section><h2>Helm charts</h2><p>Images a chart may need are listed for review; Ferry does not add them.</p>
<table><thead><tr><th>Chart</th><th>Digests</th><th>Images it may need (not added)</th><th class="num">Size</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></section>`;
}

function filesSection(manifest: BundleManifest): string {
  const files = manifest.files ?? [];
  if (files.length === 0) return '';
  return `<section><h2>Files</h2>
<table><thead><tr><th>File</th><th>Source</th><th>sha256</th><th class="num">Size</th></tr></thead><tbody>
${files.map((f) => `<tr><td><code>${esc(f.name)}</code></td><td><code class="digest">${esc(f.source)}</code></td><td><code class="digest">${esc(f.sha256)}</code></td><td class="num">${esc(formatBytes(f.size))}</td></tr>`).join('\n')}
</tbody></table></section>`;
}

function foreignSection(manifest: BundleManifest): string {
  const rows = manifest.images.flatMap((image) =>
    image.foreignLayers.map(
      (f) =>
        `<tr><td>${esc(image.reference)}</td><td><code class="digest">${esc(f.digest)}</code></td><td class="num">${esc(formatBytes(f.size))}</td><td>${f.carried ? 'carried' : '<span class="tag bad">left out</span>'}</td><td>${f.urls.map((u) => `<code class="digest">${esc(u)}</code>`).join('<br>')}</td></tr>`,
    ),
  );
  if (rows.length === 0) return '';
  return `<section><h2>Foreign layers</h2><p>Non-distributable layers; those left out must be reachable from the nodes at their URLs.</p>
<table><thead><tr><th>Image</th><th>Digest</th><th class="num">Size</th><th>Carried</th><th>URLs</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></section>`;
}

function trustSection(trust: TrustReport): string {
  const rows = trust.signatures.map(
    (s) =>
      `<tr><td>${esc(s.role)}</td><td><code>${esc(s.keyId.slice(0, 16))}</code></td><td>${esc(s.created ?? '')}</td><td>${s.valid ? 'valid' : `<span class="tag bad">invalid</span> ${esc(s.problem ?? '')}`}</td><td>${s.trusted ? 'trusted' : '<span class="tag bad">not trusted</span>'}</td><td><code>${esc(s.file)}</code></td></tr>`,
  );
  return `<section><h2>Signatures and approvals</h2>
${rows.length ? `<table><thead><tr><th>Role</th><th>Key id</th><th>Signed</th><th>Signature</th><th>Key</th><th>File</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>` : '<p>No signatures.</p>'}
${trust.problems.length ? `<ul class="bad">${trust.problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>` : ''}
</section>`;
}

function cosignSection(cosign: CosignReport): string {
  const state = (v: CosignReport['images'][number]): string =>
    v.verdict === 'signed-by-key'
      ? `signed by <code>${esc(v.key ?? '')}</code>${describeCosignVia(v) ? ` <span class="tag">via ${esc(describeCosignVia(v))}</span>` : ''}`
      : v.verdict === 'unsigned'
        ? `<span class="tag bad">unsigned</span>${v.problem ? ` ${esc(v.problem)}` : ''}`
        : `<span class="tag bad">bad signature</span> ${esc(v.problem ?? '')}`;
  return `<section><h2>Cosign signatures</h2><p>Checked offline against ${cosign.keys.map((k) => `<code>${esc(k.file)}</code> (${esc(k.type)})`).join(', ')}.</p>
<table><thead><tr><th>Image</th><th>Digest</th><th>Verdict</th></tr></thead><tbody>
${cosign.images.map((i) => `<tr><td>${esc(i.image)}</td><td><code class="digest">${esc(i.digest)}</code></td><td>${state(i)}</td></tr>`).join('\n')}
</tbody></table></section>`;
}

function artifactsSection(manifest: BundleManifest, artifacts: Map<string, ArtifactSummary[]> | undefined): string {
  const rows = manifest.images.flatMap((image) =>
    (image.referrers ?? []).map((r) => {
      const summary = artifacts?.get(image.reference)?.find((a) => a.digest === r.digest);
      return `<tr><td>${esc(image.reference)}</td><td>${esc(r.kind)}</td><td>${esc(summary?.detail ?? r.artifactType ?? '')}</td><td>${esc(r.tag ?? r.source)}</td><td><code class="digest">${esc(r.digest)}</code></td></tr>`;
    }),
  );
  if (rows.length === 0) return '';
  return `<section><h2>Signatures, attestations and SBOMs carried</h2>
<table><thead><tr><th>Image</th><th>Kind</th><th>What</th><th>Found as</th><th>Digest</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></section>`;
}

function policySection(policy: PolicyReport): string {
  return `<section><h2>Policy</h2><p>Checked against <code>${esc(policy.file)}</code>: ${policy.ok ? 'no violations.' : `${policy.violations.length} violation(s).`}</p>
${policy.violations.length ? `<table><thead><tr><th>Rule</th><th>Subject</th><th>Violation</th></tr></thead><tbody>${policy.violations.map((v) => `<tr><td><code>${esc(v.rule)}</code></td><td>${esc(v.subject ?? '')}</td><td>${esc(v.message)}</td></tr>`).join('\n')}</tbody></table>` : ''}
</section>`;
}

function integritySection(integrity: IntegrityReport): string {
  return `<section><h2>Integrity</h2><p>${integrity.ok ? 'Intact' : 'DAMAGED'}: ${integrity.blobsChecked} blobs and ${esc(formatBytes(integrity.bytesChecked))} checked in ${integrity.dirs.map((d) => `<code>${esc(d)}</code>`).join(', ')}.</p>
${integrity.faults.length ? `<ul class="bad">${integrity.faults.map((f) => `<li>${esc(f.message)}</li>`).join('')}</ul>` : ''}
</section>`;
}

function verdict(label: string, ok: boolean, detail: string): string {
  return `<div class="verdict ${ok ? 'ok' : 'fail'}"><span>${esc(label)}</span><strong>${ok ? 'PASS' : 'FAIL'}</strong><small>${esc(detail)}</small></div>`;
}

/** Escapes text for HTML element content and double-quoted attributes; control and bidi characters are shown as escapes. */
function esc(text: string): string {
  return escapeControl(text, { multiline: true }).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--ok:#1a7f37;--bad:#cf222e}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);max-width:1100px;margin:24px auto;padding:0 16px}
h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
code{font:12px/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.digest{word-break:break-all;overflow-wrap:anywhere}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}dl.meta dt{color:var(--muted)}dl.meta dd{margin:0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;border-bottom:1px solid var(--line);padding:5px 6px}
th{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
.num{text-align:right;white-space:nowrap}.sub{color:var(--muted);font-size:12px}
.tag{display:inline-block;font-size:11px;border:1px solid var(--line);border-radius:3px;padding:0 4px;color:var(--muted)}
.tag.bad,.bad{color:var(--bad);border-color:var(--bad)}
.warn li{color:#9a6700}
.verdicts{display:flex;gap:12px;margin:14px 0}
.verdict{border:2px solid;border-radius:6px;padding:6px 12px;display:flex;flex-direction:column;min-width:150px}
.verdict.ok{border-color:var(--ok);color:var(--ok)}.verdict.fail{border-color:var(--bad);color:var(--bad)}
.verdict small{color:var(--muted)}
.note{color:var(--muted)}
footer{margin-top:32px;color:var(--muted);font-size:12px}
@media print{body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}tr{break-inside:avoid}.verdict{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
@page{margin:14mm}
`;
