import { escapeControl } from '../../../shared/format.js';
import type { OnProgress } from '../../../shared/progress.js';
import { FerryError } from '../../engine/errors/ferry-error.js';
import { serveBundle } from '../../engine/serve/serve-bundle.js';
import type { CommandContext } from '../command-context.js';
import { outputMode } from '../output/output-mode.js';
import { withCliAdvice } from '../output/error-hints.js';
import { createProgressPrinter } from '../output/progress-printer.js';

/** The parsed flags of `ferry serve`. */
export interface ServeFlags {
  listen: string;
  tlsCert?: string;
  tlsKey?: string;
  trust: string[];
  requireApproval?: boolean;
  policy?: string;
  cosignKey: string[];
}

/** Runs `ferry serve` once its flags are parsed: the implementation, imported only when the command runs. */
export async function runServe(ctx: CommandContext, dirs: string[], flags: ServeFlags): Promise<void> {
  if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey)) throw new FerryError('bad-usage', '--tls-cert and --tls-key go together.');
  // the verification's progress as for ferry verify; once serving, only warnings (a blob that changed on the media)
  const printer = await createProgressPrinter(outputMode(false, ctx.stderr), ctx.stderr);
  let serving = false;
  const onProgress: OnProgress = (event) => {
    if (!serving) printer.onProgress(event);
    else if (event.kind === 'warning') ctx.stderr.write(`${escapeControl(`warning: ${withCliAdvice(event.message, event.hint, event.subject)}`)}\n`);
  };
  const served = await serveBundle(
    {
      dirs,
      trustedKeys: flags.trust,
      ...(flags.requireApproval ? { requireApproval: true } : {}),
      ...(flags.policy ? { policy: flags.policy } : {}),
      ...(flags.cosignKey.length > 0 ? { cosignKeys: flags.cosignKey } : {}),
      listen: flags.listen,
      ...(flags.tlsCert && flags.tlsKey ? { tls: { cert: flags.tlsCert, key: flags.tlsKey } } : {}),
      // one request, one line: nothing in it (the path is still percent-encoded anyway) may end it or start another
      onRequest: (r) => ctx.stderr.write(`${escapeControl(`${new Date().toISOString()} ${r.remote} ${r.method} ${r.path} ${r.status} ${r.bytes} ${r.ms}ms`)}\n`),
    },
    { onProgress, signal: ctx.signal },
  ).finally(() => {
    printer.stop();
    serving = true;
  });
  const several = served.bundles.length > 1;
  ctx.stdout.write(
    `Serving ${served.repositories.length} repositor${served.repositories.length === 1 ? 'y' : 'ies'}${several ? ` from ${served.bundles.length} bundles as one registry` : ''} at ${served.url} (read-only; Ctrl-C stops)\n`,
  );
  if (several) for (const b of served.bundles) ctx.stdout.write(`  bundle ${b.id}${b.delta ? ' (delta)' : ''}, made ${b.created}: ${b.dirs.join(', ')}\n`);
  for (const repo of served.repositories) ctx.stdout.write(`  ${served.host}/${repo}\n`);
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await served.close();
  ctx.stderr.write('ferry: stopped serving\n');
}
