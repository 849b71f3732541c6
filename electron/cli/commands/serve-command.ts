import type { Command } from 'commander';
import { DEFAULT_LISTEN, FerryError, serveBundle } from '../../engine/index.js';
import type { CommandContext } from '../command-context.js';

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
      if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey)) throw new FerryError('bad-usage', '--tls-cert and --tls-key go together.');
      const served = await serveBundle(
        {
          dirs,
          listen: flags.listen,
          ...(flags.tlsCert && flags.tlsKey ? { tls: { cert: flags.tlsCert, key: flags.tlsKey } } : {}),
          onRequest: (r) => ctx.stderr.write(`${new Date().toISOString()} ${r.remote} ${r.method} ${r.path} ${r.status} ${r.bytes} ${r.ms}ms\n`),
        },
        { signal: ctx.signal },
      );
      ctx.stdout.write(`Serving ${served.repositories.length} repositor${served.repositories.length === 1 ? 'y' : 'ies'} at ${served.url} (read-only; Ctrl-C stops)\n`);
      for (const repo of served.repositories) ctx.stdout.write(`  ${served.host}/${repo}\n`);
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await served.close();
      ctx.stderr.write('ferry: stopped serving\n');
    });
}
