import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { FerryError } from '../../engine/errors/ferry-error.js';
import { inspectBundle } from '../../engine/bundle/inspect-bundle.js';
import { parseSize } from '../../engine/bundle/parse-size.js';
import { planMediaBySize, type MediaPlan } from '../../engine/media/plan-media.js';
import { planWrite, writeToMedia, type WriteMediaOptions, type WriteMediaResult } from '../../engine/media/write-to-media.js';
import type { CommandContext } from '../command-context.js';
import { withAdviceField, withCliAdvice } from '../output/error-hints.js';
import { formatBytes, formatDuration } from '../output/format-bytes.js';
import { outputMode } from '../output/output-mode.js';
import { createProgressPrinter } from '../output/progress-printer.js';

/** The parsed flags of `ferry write`. */
export interface WriteFlags {
  to: string[];
  plan?: string;
  fs?: string;
  capacity?: string;
  force?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/**
 * Fault injection for end-to-end tests only: names an archive file whose first byte is flipped
 * on its volume after writing and before the read-back, which must then fail the run.
 */
const CORRUPT_ENV = 'FERRY_TEST_CORRUPT_BEFORE_READBACK';

/** Runs `ferry write` once its flags are parsed: the implementation, imported only when the command runs. */
export async function runWrite(ctx: CommandContext, dir: string, flags: WriteFlags): Promise<void> {
  if (flags.plan !== undefined) {
    if (flags.to.length > 0) throw new FerryError('bad-usage', 'Give either --plan SIZE (how many volumes) or --to MOUNT (where to write), not both.');
    const { manifest } = await inspectBundle(dir);
    const plan = planMediaBySize(manifest, sizeOption(flags.plan, '--plan'), flags.fs !== undefined ? { fsType: flags.fs } : {});
    reportPlan(plan, flags, ctx);
    return;
  }
  if (flags.to.length === 0) throw new FerryError('bad-usage', 'Name the volumes to write to with --to MOUNT (repeat for several), or ask how many are needed with --plan SIZE.');
  if (flags.fs !== undefined) throw new FerryError('bad-usage', '--fs goes with --plan; with --to the file system of each volume is detected.');
  const options: WriteMediaOptions = {
    dir,
    targets: flags.to,
    force: flags.force ?? false,
    ...(flags.capacity !== undefined ? { capacity: sizeOption(flags.capacity, '--capacity') } : {}),
  };
  const plan = await planWrite(options);
  if (flags.dryRun || !plan.ok) {
    reportPlan(plan, flags, ctx);
    return;
  }
  if (!flags.json) printPlan(plan, ctx.stdout);

  const corrupt = process.env[CORRUPT_ENV];
  if (corrupt) options.onBeforeReadBack = (volumes) => flipFirstByte(volumes, corrupt);
  const mode = outputMode(flags.json, ctx.stderr);
  const printer = await createProgressPrinter(mode, ctx.stderr);
  let result: WriteMediaResult;
  try {
    result = await writeToMedia(options, { onProgress: printer.onProgress, signal: ctx.signal });
  } finally {
    printer.stop();
  }
  if (flags.json) ctx.stdout.write(`${JSON.stringify({ type: 'result', ...result })}\n`);
  else printResult(result, ctx.stdout);
  if (!result.ok) {
    const bad = result.volumes.filter((v) => !v.ok);
    throw new FerryError(
      'damaged',
      `Read-back found damage on ${bad.map((v) => `volume ${v.index} (${v.path})`).join(', ')}: ${bad.flatMap((v) => v.readBack.filter((r) => !r.ok).map((r) => r.problem)).join(' ')} ` +
        'Those volumes were left incomplete (no SHA256SUMS); write again to retry, or use another stick.',
      { subject: bad[0]!.path },
    );
  }
}

/** Prints a plan (with --plan or --dry-run, or when it cannot be carried out) and fails when it has problems. */
function reportPlan(plan: MediaPlan, flags: WriteFlags, ctx: CommandContext): void {
  if (flags.json) ctx.stdout.write(`${JSON.stringify({ type: 'plan', plan: { ...plan, problems: plan.problems.map(withAdviceField) } })}\n`);
  else if (plan.ok) printPlan(plan, ctx.stdout);
  else for (const note of plan.notes) ctx.stdout.write(`note: ${note}\n`);
  if (!plan.ok) {
    const first = plan.problems[0]!;
    throw new FerryError(first.code, `${plan.problems.map((p) => withCliAdvice(p.message, p.hint, p.subject)).join(' ')} Nothing was written.`, first.subject !== undefined ? { subject: first.subject } : {});
  }
}

function printPlan(plan: MediaPlan, out: NodeJS.WritableStream): void {
  if (plan.volumes.length > 0) {
    out.write(`Plan: ${plan.summary}\n`);
    for (const v of plan.volumes) {
      const parts = v.parts.length > 4 ? `${v.parts[0]!.name} … ${v.parts.at(-1)!.name} (${v.parts.length} files)` : v.parts.map((p) => p.name).join(', ');
      const existing = v.existing === 'same-bundle' ? ', same bundle there: reused' : v.existing === 'other-bundle' ? ', replacing another bundle' : '';
      const where = v.path === `volume ${v.index}` ? '' : `  ${v.path}`;
      out.write(`  volume ${v.index}${where}  ${formatBytes(v.bytes)} of ${formatBytes(v.usable)}${v.fsType ? ` ${v.fsType}` : ''}${existing}: ${parts}\n`);
    }
  }
  if (plan.unused.length > 0) out.write(`  not needed: ${plan.unused.join(', ')}\n`);
  for (const note of plan.notes) out.write(`note: ${note}\n`);
}

function printResult(result: WriteMediaResult, out: NodeJS.WritableStream): void {
  out.write('\n');
  for (const v of result.volumes) {
    const reused = v.reused.length > 0 ? `, ${v.reused.length} already there` : '';
    const status = v.ok ? 'read back ok' : `READ-BACK FAILED: ${v.readBack.filter((r) => !r.ok).map((r) => r.problem).join(' ')}`;
    out.write(`Volume ${v.index}  ${v.path}  ${v.parts.join(', ')}  written ${formatBytes(v.bytesWritten)}${reused}; ${status}\n`);
  }
  const n = result.volumes.length;
  out.write(
    `\n${result.ok ? `${n === 1 ? 'The volume is' : `All ${n} volumes are`} complete` : 'Not complete'}: ${formatBytes(result.bytesWritten)} written in ${formatDuration(result.seconds)}, ` +
      `read back ${result.readBackDirect ? 'from the device, bypassing the system cache' : 'through the system cache (direct reads are not available here), so a stick that dropped writes may go unnoticed until ferry verify on the other side'}.\n`,
  );
  if (result.ok) out.write(`Check on arrival: ferry verify ${result.volumes.map((v) => v.path).join(' ')}  (or sha256sum -c SHA256SUMS on each volume)\n`);
}

function sizeOption(text: string, flag: string): number {
  try {
    return parseSize(text);
  } catch {
    throw new FerryError('bad-usage', `${flag} "${text}" is not a size of at least 1 MiB; use e.g. 32GB, 64GB, 29.8GiB or 700MB.`, { subject: text });
  }
}

async function flipFirstByte(volumes: { path: string; parts: string[] }[], part: string): Promise<void> {
  const volume = volumes.find((v) => v.parts.includes(part));
  if (!volume) return;
  const fh = await open(join(volume.path, part), 'r+');
  try {
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, 0);
    b[0] = b[0]! ^ 0xff;
    await fh.write(b, 0, 1, 0);
    await fh.sync();
  } finally {
    await fh.close();
  }
}
