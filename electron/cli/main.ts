import { Command, CommanderError } from 'commander';
import { FerryError, isAbortError, serializeError } from '../engine/errors/ferry-error.js';
import { cliErrorJson, withCliAdvice } from './output/error-hints.js';
import { TOOL_VERSION } from '../engine/version.js';
import { registerBundleCommand } from './commands/bundle-command.js';
import { registerInspectCommand } from './commands/inspect-command.js';
import { registerVerifyCommand } from './commands/verify-command.js';
import { registerRepairCommand } from './commands/repair-command.js';
import { registerSplitCommand } from './commands/split-command.js';
import { registerMediaCommand } from './commands/media-command.js';
import { registerWriteCommand } from './commands/write-command.js';
import { registerKeygenCommand } from './commands/keygen-command.js';
import { registerSignCommand } from './commands/sign-command.js';
import { registerApproveCommand } from './commands/approve-command.js';
import { registerImportCommand } from './commands/import-command.js';
import { registerInventoryCommand } from './commands/inventory-command.js';
import { registerDiffCommand } from './commands/diff-command.js';
import { registerServeCommand } from './commands/serve-command.js';
import { registerUiCommand } from './commands/ui-command.js';
import type { CommandContext } from './command-context.js';
import { guardStream } from './output/guarded-stream.js';

/** Exit codes every command shares. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Errors in what the user typed (as opposed to what happened): exit 2. */
const USAGE_CODES = new Set(['bad-usage', 'bad-reference', 'bad-platform']);

/**
 * The `ferry` command: parses flags and calls the engine's façade; nothing else lives here.
 * Returns the exit code: 0 done, 1 failed, 2 bad usage.
 */
export async function main(argv: string[], io: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WriteStream } = {}): Promise<number> {
  // everything the commands (and commander, and the error below) print is escaped: a bundle is hostile input
  const stdout = guardStream(io.stdout ?? process.stdout);
  const stderr = guardStream(io.stderr ?? process.stderr);
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const ctx: CommandContext = { stdout, stderr, signal: controller.signal };
  const json = argv.includes('--json');

  const program = new Command('ferry')
    .description('Carry container images into air-gapped networks on removable media.')
    .version(TOOL_VERSION)
    .exitOverride()
    .showHelpAfterError('(run ferry --help for usage)')
    .configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) });
  registerBundleCommand(program, ctx);
  registerInspectCommand(program, ctx);
  registerVerifyCommand(program, ctx);
  registerRepairCommand(program, ctx);
  registerSplitCommand(program, ctx);
  registerMediaCommand(program, ctx);
  registerWriteCommand(program, ctx);
  registerKeygenCommand(program, ctx);
  registerSignCommand(program, ctx);
  registerApproveCommand(program, ctx);
  registerImportCommand(program, ctx);
  registerInventoryCommand(program, ctx);
  registerDiffCommand(program, ctx);
  registerServeCommand(program, ctx);
  registerUiCommand(program, ctx);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const serialized = serializeError(error);
    if (json) stdout.write(`${JSON.stringify({ type: 'error', error: cliErrorJson(serialized) })}\n`);
    const cancelled = isAbortError(error) || controller.signal.aborted;
    stderr.write(`ferry: ${cancelled ? 'cancelled; nothing complete was left behind' : `error: ${withCliAdvice(serialized.message, serialized.hint, serialized.subject)}`}\n`);
    if (!cancelled && serialized.code === 'internal' && process.env.FERRY_DEBUG && error instanceof Error) stderr.write(`${error.stack}\n`);
    return error instanceof FerryError && USAGE_CODES.has(error.code) ? EXIT.usage : EXIT.failed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
