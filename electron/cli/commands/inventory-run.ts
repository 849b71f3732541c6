import { makeInventory } from '../../engine/inventory/make-inventory.js';
import { describeWrittenInventory } from '../../engine/inventory/write-inventory.js';
import { FerryError } from '../../engine/errors/ferry-error.js';
import { formatBytes } from '../output/format-bytes.js';
import { outputMode } from '../output/output-mode.js';
import { createProgressPrinter } from '../output/progress-printer.js';
import type { CommandContext } from '../command-context.js';

/** The parsed flags of `ferry inventory`. */
export interface InventoryFlags {
  output: string;
  from: string[];
  fromBundle: string[];
  fromContainerd?: boolean;
  address?: string;
  namespace: string;
  signKey?: string;
  insecureRegistry: string[];
  caFile: string[];
  concurrency?: string;
  pageSize?: string;
  json?: boolean;
}

/** A whole-number flag, or bad usage naming it. */
function wholeNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new FerryError('bad-usage', `${flag} must be a whole number, not "${value}".`);
  return n;
}

/** Runs `ferry inventory` once its flags are parsed: the implementation, imported only when the command runs. */
export async function runInventory(ctx: CommandContext, flags: InventoryFlags): Promise<void> {
  if (flags.address !== undefined && !flags.fromContainerd) {
    throw new FerryError('bad-usage', '--address belongs to --from-containerd; add --from-containerd to list that containerd.');
  }
  const concurrency = wholeNumber('--concurrency', flags.concurrency);
  const pageSize = wholeNumber('--page-size', flags.pageSize);
  const mode = outputMode(flags.json, ctx.stderr);
  const printer = await createProgressPrinter(mode, ctx.stderr);
  try {
    const result = await makeInventory(
      {
        output: flags.output,
        from: flags.from,
        fromBundles: flags.fromBundle,
        ...(flags.fromContainerd ? { fromContainerd: { namespace: flags.namespace, ...(flags.address !== undefined ? { address: flags.address } : {}) } } : {}),
        ...(flags.signKey !== undefined ? { signKey: flags.signKey } : {}),
        registry: { insecureRegistries: flags.insecureRegistry, caFiles: flags.caFile },
        ...(concurrency !== undefined ? { concurrency } : {}),
        ...(pageSize !== undefined ? { pageSize } : {}),
      },
      { onProgress: printer.onProgress, signal: ctx.signal },
    );
    printer.stop();
    const { file, sha256, counts, signature } = result;
    if (mode === 'json') {
      ctx.stdout.write(`${JSON.stringify({ type: 'result', file, sha256, counts, ...(signature ? { signature } : {}), sources: result.inventory.sources })}\n`);
      return;
    }
    ctx.stdout.write(`Wrote inventory ${describeWrittenInventory(result, formatBytes)}.\n`);
  } finally {
    printer.stop();
  }
}
