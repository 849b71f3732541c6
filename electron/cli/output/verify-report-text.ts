import { escapeControl } from '../../../shared/format.js';
import type { IntegrityCheckId, IntegrityFault, VerifyReport } from '../../../shared/verify-report.js';
import { describeCosignVia } from '../../engine/referrers/verify-cosign.js';
import { formatBytes } from './format-bytes.js';
import { withCliAdvice } from './error-hints.js';

const TITLES: Record<IntegrityCheckId, string> = {
  'bundle-json': 'bundle.json',
  sha256sums: 'SHA256SUMS',
  parts: 'parts',
  blobs: 'blobs',
  structure: 'structure',
};

/**
 * Prints a verification for people: a line per check (✓, ✗ or – when it could not run), every
 * fault under the check that found it, what repair can do, and a verdict line. Each fault, problem and
 * warning is one line, whatever file names or bundle fields it quotes: no quoted `\n` can print a fake verdict.
 */
export function printVerifyReport(report: VerifyReport, out: NodeJS.WritableStream): void {
  const { integrity } = report;
  const where = integrity.dirs.length === 1 ? integrity.dirs[0]! : `${integrity.dirs.length} volumes (${integrity.dirs.join(', ')})`;
  out.write(`Bundle ${integrity.bundleId ?? '(unknown)'} in ${where}\n`);
  const width = Math.max(...Object.values(TITLES).map((t) => t.length));
  const printed = new Set<IntegrityFault>();
  for (const check of integrity.checks ?? []) {
    const mark = check.ok ? '✓' : check.skipped ? '–' : '✗';
    out.write(`  ${mark} ${TITLES[check.id].padEnd(width)}  ${check.summary}\n`);
    for (const fault of integrity.faults.filter((f) => f.check === check.id)) {
      printFault(fault, out);
      printed.add(fault);
    }
  }
  const rest = integrity.faults.filter((f) => !printed.has(f));
  if (rest.length > 0) {
    out.write(`  ✗ other\n`);
    for (const fault of rest) printFault(fault, out);
  }
  if (integrity.repair) out.write(`\n${integrity.repair.message}\n`);
  const n = integrity.faults.length;
  out.write(
    integrity.ok
      ? `\nIntact: ${integrity.parts.length} file(s), ${integrity.blobsChecked} blobs, ${formatBytes(integrity.bytesChecked)} read once and checked.\n`
      : `\nDAMAGED: ${n} fault${n === 1 ? '' : 's'} found.\n`,
  );
  printReliesOn(report, out);
  printTrustAndPolicy(report, out);
}

/** A delta: the blobs it relies on, held offline (not faults), and whether a target holds them (`--against`). */
function printReliesOn(report: VerifyReport, out: NodeJS.WritableStream): void {
  const relies = report.integrity.reliesOn;
  if (relies) {
    out.write(
      `\nRelies on ${relies.count} blob${relies.count === 1 ? '' : 's'} (${formatBytes(relies.bytes)}) held offline, not carried: a delta against ${relies.against.map((a) => escapeControl(a)).join('; ')}.\n` +
        `      Not faults here; ${report.against ? 'the target was checked below' : 'ferry verify --against HOST[:PORT][/PREFIX] checks that a registry holds them'}. docker load and ctr import cannot load a delta alone.\n`,
    );
  }
  const against = report.against;
  if (!against) return;
  const where = escapeControl(against.target);
  if (against.problem) out.write(`\n✗ held offline in ${where}: not checked: ${escapeControl(against.problem)}\n`);
  else if (!relies) out.write(`\n✓ held offline in ${where}: nothing to check, the bundle is not a delta (it carries every blob)\n`);
  else if (against.ok) out.write(`\n✓ held offline in ${where}: ${against.checked === 1 ? 'the one blob the delta relies on is there' : `all ${against.checked} blobs the delta relies on are there`}\n`);
  else out.write(`\n✗ held offline in ${where}: ${against.missing.length} of ${relies.count} blob${relies.count === 1 ? '' : 's'} the delta relies on missing\n`);
  for (const m of against.missing) out.write(`      missing: ${escapeControl(m.message)}\n`);
}

/** Prints the signature and policy halves of a verification, when they were checked. */
function printTrustAndPolicy(report: VerifyReport, out: NodeJS.WritableStream): void {
  if (report.trust) {
    const { trust } = report;
    out.write(`\n${trust.ok ? '✓' : '✗'} signatures${trust.requireApproval ? ' (approval required)' : ''}\n`);
    if (trust.signatures.length === 0) out.write('      none\n');
    for (const s of trust.signatures) {
      const state = s.valid ? (s.trusted ? 'valid, trusted key' : 'valid, key not trusted') : `INVALID: ${escapeControl(s.problem ?? '')}`;
      out.write(`      ${s.role.padEnd(8)} ${s.keyId.slice(0, 16)}  ${s.created ?? ''}  ${state}${s.volumes ? `  on ${s.volumes.join(', ')}` : ''}\n`);
    }
    for (const p of trust.problems) out.write(`      problem: ${escapeControl(p)}\n`);
    for (const w of trust.warnings ?? []) out.write(`      warning: ${escapeControl(w)}\n`);
  }
  if (report.policy) {
    const { policy } = report;
    out.write(`\n${policy.ok ? '✓' : '✗'} policy ${policy.file}: ${policy.ok ? 'no violations' : `${policy.violations.length} violation(s)`}\n`);
    for (const v of policy.violations) out.write(`      ${v.rule}: ${escapeControl(withCliAdvice(v.message, v.hint, v.subject))}\n`);
  }
  if (report.cosign) {
    const { cosign } = report;
    out.write(`\n${cosign.ok ? '✓' : '✗'} cosign signatures (${cosign.keys.map((k) => `${k.file} ${k.type}`).join(', ')})\n`);
    if (cosign.images.length === 0) out.write('      not checked: the archive could not be read\n');
    for (const i of cosign.images) {
      const via = describeCosignVia(i);
      const state = i.verdict === 'signed-by-key' ? `signed by ${i.key ?? ''}${via ? ` (${via})` : ''}` : i.verdict === 'unsigned' ? `UNSIGNED${i.problem ? `: ${escapeControl(i.problem)}` : ''}` : `BAD SIGNATURE: ${escapeControl(i.problem ?? '')}`;
      out.write(`      ${escapeControl(i.image)}@${i.digest.slice(7, 19)}  ${state}\n`);
    }
  }
  if (report.trust || report.policy || report.cosign || report.against) out.write(report.ok ? '\nVerified: intact, and every check asked for passed.\n' : '\nNOT VERIFIED.\n');
}

function printFault(fault: IntegrityFault, out: NodeJS.WritableStream): void {
  out.write(`      ${fault.kind}: ${escapeControl(fault.message)}\n`);
}
