import type { ImportSummary, ServeSummary } from '../../../shared/api-contract.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { FerryError } from '../errors/ferry-error.js';
import { importBundle } from '../import/import-bundle.js';
import { parseImportTarget } from '../import/map-repository.js';
import { placeInFolder } from '../place/place-in-folder.js';
import type { RegistryClientOptions } from '../registry/registry-client.js';
import { chainCredentials, defaultCredentialResolver, staticCredentials } from '../registry/credentials.js';
import { serveBundle } from '../serve/serve-bundle.js';
import type { ParsedInput } from './api-handlers.js';

/**
 * `bundle.import`: into a registry (`to`, with an optional login used for this call only and never returned), a dry
 * run of the mapping, or the verified archive placed into a k3s/k0s images folder (`toDir`).
 */
export async function importJob(input: ParsedInput<'bundle.import'>, controls: Required<JobControls>, session: RegistryClientOptions = {}): Promise<ImportSummary> {
  if (input.toDir !== undefined) {
    const placed = await placeInFolder({ dirs: input.dirs, targetDir: input.toDir }, controls);
    return { placed: { path: placed.path, bytes: placed.bytes, sha256: placed.sha256, replaced: placed.replaced } };
  }
  if (input.to === undefined) throw new FerryError('bad-usage', 'Name a target: a registry (host[:port][/prefix]) or a folder.');
  const registryHost = parseImportTarget(input.to).registry;
  const login = input.credentials;
  const r = await importBundle(
    {
      dirs: input.dirs,
      to: input.to,
      ...(input.dryRun ? { dryRun: true } : {}),
      ...(input.map ? { map: input.map } : {}),
      registry: {
        // the Settings' registries (logins, CA files, insecure hosts) first; this call's own values on top
        ...session,
        ...(input.insecureRegistries || session.insecureRegistries ? { insecureRegistries: [...(session.insecureRegistries ?? []), ...(input.insecureRegistries ?? [])] } : {}),
        ...(input.caFiles || session.caFiles ? { caFiles: [...(session.caFiles ?? []), ...(input.caFiles ?? [])] } : {}),
        // the typed login for the target first, then the usual credential files
        ...(login ? { credentials: chainCredentials(staticCredentials({ [registryHost]: { username: login.username, password: login.password } }), session.credentials ?? defaultCredentialResolver()) } : {}),
      },
      checks: {
        ...(input.trustedKeys ? { trustedKeys: input.trustedKeys } : {}),
        ...(input.requireApproval !== undefined ? { requireApproval: input.requireApproval } : {}),
        ...(input.policy !== undefined ? { policy: input.policy } : {}),
      },
      ...(input.mirrorConfigDir !== undefined ? { mirrorConfigDir: input.mirrorConfigDir } : {}),
      ...(input.chartsTo !== undefined ? { chartsTo: input.chartsTo } : {}),
      ...(input.filesTo !== undefined ? { filesTo: input.filesTo } : {}),
    },
    controls,
  );
  return { report: r.report, ...(r.mirrorText ? { mirrorConfig: r.mirrorText } : {}), ...(r.reportFile ? { reportFile: r.reportFile } : {}) };
}

/** `bundle.serve`: the bundle as a read-only registry on 127.0.0.1:PORT until the job is cancelled (a `serving` event gives the URL). */
export async function serveJob(input: ParsedInput<'bundle.serve'>, controls: Required<JobControls>): Promise<ServeSummary> {
  const { signal } = controls;
  const served = await serveBundle({ dirs: input.dirs, listen: `127.0.0.1:${input.port}` }, { signal });
  controls.onProgress({ kind: 'serving', url: served.url, repositories: served.repositories });
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await served.close();
  return { url: served.url, repositories: served.repositories, stopped: true };
}
