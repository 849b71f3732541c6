import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { DEFAULT_LISTEN } from '../../engine/serve/listen-address.js';

/** `ferry serve`: a read-only registry straight from a bundle, until interrupted. */
export function registerServeCommand(program: Command, ctx: CommandContext): void {
  program
    .command('serve')
    .description('serve a bundle as a read-only OCI registry (no reassembly, split parts and volumes too) until Ctrl-C')
    .argument('<dirs...>', 'the bundle folder, or every volume of a multi-volume set')
    .option('--listen <addr:port>', `where to listen; loopback unless an address is written out (e.g. 0.0.0.0:5000)`, DEFAULT_LISTEN)
    .option('--tls-cert <pem>', 'serve HTTPS with this certificate (chain) file')
    .option('--tls-key <pem>', 'the private key of --tls-cert')
    .action(async (dirs: string[], flags: { listen: string; tlsCert?: string; tlsKey?: string }) => {
      const { runServe } = await import('./serve-run.js');
      await runServe(ctx, dirs, flags);
    });
}
