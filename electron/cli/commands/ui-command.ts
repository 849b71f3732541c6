import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';

/** `ferry ui`: the app in a browser, served on loopback with a per-launch token, until interrupted. */
export function registerUiCommand(program: Command, ctx: CommandContext): void {
  program
    .command('ui')
    .argument('[bundle]', 'a bundle folder (or its bundle.json) to open in the Review wizard')
    .description('serve the Ferry app on loopback (the URL printed holds a per-launch token) until Ctrl-C; over SSH, tunnel the port')
    .option('--listen <addr:port>', 'where to listen: 127.0.0.1, localhost or [::1] with a port (default: a free port)', '127.0.0.1:0')
    .option('--open', 'open the default browser at the URL')
    .action(async (bundle: string | undefined, flags: { listen: string; open?: boolean }) => {
      const { runUi } = await import('./ui-run.js');
      await runUi(ctx, bundle, flags);
    });
}
