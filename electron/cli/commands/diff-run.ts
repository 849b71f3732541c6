import { diffHoldings } from '../../engine/diff/diff-holdings.js';
import type { CommandContext } from '../command-context.js';
import { printDiffText } from './diff-text.js';

/** Runs `ferry diff` once its arguments are parsed: the implementation, imported only when the command runs. */
export async function runDiff(ctx: CommandContext, oldPath: string, newPath: string, flags: { json?: boolean }): Promise<void> {
  const report = await diffHoldings(oldPath, newPath, { signal: ctx.signal });
  if (flags.json) {
    ctx.stdout.write(`${JSON.stringify({ type: 'result', ...report }, null, 2)}\n`);
    return;
  }
  printDiffText(report, ctx.stdout);
}
