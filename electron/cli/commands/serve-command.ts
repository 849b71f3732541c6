import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { collect } from '../collect.js';
import { DEFAULT_LISTEN } from '../../engine/serve/listen-address.js';
import type { ServeFlags } from './serve-run.js';

/** `ferry serve`: a read-only registry straight from a bundle (verified first, as for import), until interrupted. */
export function registerServeCommand(program: Command, ctx: CommandContext): void {
  program
    .command('serve')
    .description('verify a bundle, then serve it as a read-only OCI registry (no reassembly, split parts and volumes too) until Ctrl-C; several bundles (a delta and its bases) are served as one')
    .argument('<dirs...>', 'the bundle folder, or every volume of a multi-volume set; several bundles: a delta and the earlier bundles it relies on (a tag in two: the newer bundle wins)')
    .option('--listen <addr:port>', `where to listen; loopback unless an address is written out (e.g. 0.0.0.0:5000)`, DEFAULT_LISTEN)
    .option('--tls-cert <pem>', 'serve HTTPS with this certificate (chain) file')
    .option('--tls-key <pem>', 'the private key of --tls-cert')
    .option('--trust <pub>', 'require a valid preparer signature by this trusted public key (repeatable)', collect, [])
    .option('--require-approval', 'also require an approval by a second trusted key (two-person rule)')
    .option('--policy <file>', 'the bundle must satisfy this YAML policy')
    .option('--cosign-key <pub>', 'require a valid cosign signature by this public key on every carried image (repeatable)', collect, [])
    .action(async (dirs: string[], flags: ServeFlags) => {
      const { runServe } = await import('./serve-run.js');
      await runServe(ctx, dirs, flags);
    });
}
