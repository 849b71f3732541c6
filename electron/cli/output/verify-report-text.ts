import type { IntegrityCheckId, IntegrityFault, VerifyReport } from '../../../shared/verify-report.js';
import { describeCosignVia } from '../../engine/index.js';
import { formatBytes } from './format-bytes.js';

const TITLES: Record<IntegrityCheckId, string> = {
  'bundle-json': 'bundle.json',
  sha256sums: 'SHA256SUMS',
  parts: 'parts',
  blobs: 'blobs',
  structure: 'structure',
};

/**
 * Prints a verification for people: a line per check (✓, ✗ or – when it could not run), every
 * fault under the check that found it, what repair can do, and a verdict line.
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
  printTrustAndPolicy(report, out);
}

/** Prints the signature and policy halves of a verification, when they were checked. */
function printTrustAndPolicy(report: VerifyReport, out: NodeJS.WritableStream): void {
  if (report.trust) {
    const { trust } = report;
    out.write(`\n${trust.ok ? '✓' : '✗'} signatures${trust.requireApproval ? ' (approval required)' : ''}\n`);
    if (trust.signatures.length === 0) out.write('      none\n');
    for (const s of trust.signatures) {
      const state = s.valid ? (s.trusted ? 'valid, trusted key' : 'valid, key not trusted') : `INVALID: ${s.problem ?? ''}`;
      out.write(`      ${s.role.padEnd(8)} ${s.keyId.slice(0, 16)}  ${s.created ?? ''}  ${state}${s.volumes ? `  on ${s.volumes.join(', ')}` : ''}\n`);
    }
    for (const p of trust.problems) out.write(`      problem: ${p}\n`);
    for (const w of trust.warnings ?? []) out.write(`      warning: ${w}\n`);
  }
  if (report.policy) {
    const { policy } = report;
    out.write(`\n${policy.ok ? '✓' : '✗'} policy ${policy.file}: ${policy.ok ? 'no violations' : `${policy.violations.length} violation(s)`}\n`);
    for (const v of policy.violations) out.write(`      ${v.rule}: ${v.message}\n`);
  }
  if (report.cosign) {
    const { cosign } = report;
    out.write(`\n${cosign.ok ? '✓' : '✗'} cosign signatures (${cosign.keys.map((k) => `${k.file} ${k.type}`).join(', ')})\n`);
    if (cosign.images.length === 0) out.write('      not checked: the archive could not be read\n');
    for (const i of cosign.images) {
      const via = describeCosignVia(i);
      const state = i.verdict === 'signed-by-key' ? `signed by ${i.key ?? ''}${via ? ` (${via})` : ''}` : i.verdict === 'unsigned' ? `UNSIGNED${i.problem ? `: ${i.problem}` : ''}` : `BAD SIGNATURE: ${i.problem ?? ''}`;
      out.write(`      ${i.image}@${i.digest.slice(7, 19)}  ${state}\n`);
    }
  }
  if (report.trust || report.policy || report.cosign) out.write(report.ok ? '\nVerified: intact, and every check asked for passed.\n' : '\nNOT VERIFIED.\n');
}

function printFault(fault: IntegrityFault, out: NodeJS.WritableStream): void {
  out.write(`      ${fault.kind}: ${fault.message}\n`);
}
