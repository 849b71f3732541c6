import { spawn } from 'node:child_process';
import { FerryError } from '../../engine/errors/ferry-error.js';
import { bundlePathOf } from '../../engine/bundle/bundle-path.js';
import { createApiHost } from '../../engine/api/api-host.js';
import { findRendererDir } from '../../engine/web-host/find-renderer-dir.js';
import { startWebHost } from '../../engine/web-host/web-host.js';
import type { CommandContext } from '../command-context.js';

/** Opens a URL in the default browser, best effort (xdg-open, open, start); never fails the command. */
function openInBrowser(url: string): boolean {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]] : ['xdg-open', [url]];
  try {
    const child = spawn(command, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}

/** Runs `ferry ui` once its flags are parsed: the implementation, imported only when the command runs. */
export async function runUi(ctx: CommandContext, bundle: string | undefined, flags: { listen: string; open?: boolean }): Promise<void> {
  const openBundle = bundle === undefined ? undefined : bundlePathOf(bundle);
  if (bundle !== undefined && !openBundle) throw new FerryError('bad-usage', `${bundle} is not a bundle: give a folder holding bundle.json (or the bundle.json itself).`, { subject: bundle });
  const rendererDir = findRendererDir();
  const api = createApiHost({ host: 'web' });
  const host = await startWebHost({ api, listen: flags.listen, ...(rendererDir ? { rendererDir } : {}) });
  if (openBundle) host.send({ command: 'open-bundle', dir: openBundle });
  if (!rendererDir) ctx.stderr.write('ferry: the app is not built (npm run build): only the API is served\n');
  ctx.stdout.write(`Ferry UI: ${host.openUrl}\n(the token in this URL is needed to use the app; Ctrl-C stops)\n`);
  if (flags.open && !openInBrowser(host.openUrl)) ctx.stderr.write('ferry: could not open a browser; open the URL above\n');
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await api.close();
  await host.close();
  ctx.stderr.write('ferry: UI stopped\n');
}
