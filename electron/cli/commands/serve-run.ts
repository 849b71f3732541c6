import { FerryError } from '../../engine/errors/ferry-error.js';
import { serveBundle } from '../../engine/serve/serve-bundle.js';
import type { CommandContext } from '../command-context.js';

/** Runs `ferry serve` once its flags are parsed: the implementation, imported only when the command runs. */
export async function runServe(ctx: CommandContext, dirs: string[], flags: { listen: string; tlsCert?: string; tlsKey?: string }): Promise<void> {
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
}
