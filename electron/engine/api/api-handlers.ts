import { platform } from 'node:os';
import type { ApiChannel, ApiResults, AppInfo, JobChannel, JobResults } from '../../../shared/api-contract.js';
import type { API_INPUTS } from '../../../shared/api-contract.js';
import type { z } from 'zod';
import { createBundle, type JobControls } from '../bundle/create-bundle.js';
import { inspectBundle } from '../bundle/inspect-bundle.js';
import { listVolumes } from '../media/list-volumes.js';
import { planWrite, writeToMedia } from '../media/write-to-media.js';
import { missingPlatforms } from '../bundle/describe-image.js';
import { describeSource } from '../sources/describe-source.js';
import { readListFile } from '../bundle/read-list-file.js';
import { RegistryClientPool } from '../registry/registry-client-pool.js';
import { approveBundle } from '../trust/approve-bundle.js';
import { checkVolumeSignatures } from '../trust/check-volume-signatures.js';
import { readBundleForSigning } from '../trust/sign-bundle.js';
import { importHandlers } from './import-handlers.js';
import { TOOL_VERSION } from '../version.js';
import { FerryError } from '../errors/ferry-error.js';
import { createSessionSettings, type SessionSettings } from './session-settings.js';
import { chartLogin, checkSource } from './source-check.js';
import { planDeltaView } from './delta-handlers.js';
import { createCancellableLookups } from './cancellable-lookups.js';
import { reviewHandlers } from './review-handlers.js';
import { settingsHandlers } from './settings-handlers.js';

/** A call's input after the contract's schema has checked it. */
export type ParsedInput<C extends ApiChannel> = z.output<(typeof API_INPUTS)[C]>;

/** How the host answers a plain call. */
export type CallHandler<C extends ApiChannel> = (input: ParsedInput<C>) => Promise<ApiResults[C]>;

/** How the host runs a job: given its checked input, its progress callback and its cancellation signal. */
export type JobHandler<C extends JobChannel> = (input: ParsedInput<C>, controls: Required<JobControls>) => Promise<JobResults[C]>;

/** Every call's implementation on the engine façade (`job.cancel` is the host's own). */
export type ApiHandlers = { [C in Exclude<ApiChannel, JobChannel | 'job.cancel'>]: CallHandler<C> } & { [C in JobChannel]: JobHandler<C> };

/** The answer of a dialog call outside Electron's main process: a clear `unsupported` error. */
function noDialogs(host: AppInfo['host']): never {
  throw new FerryError('unsupported', host === 'web' ? 'File dialogs exist only in the desktop app; in the browser, type the path instead.' : 'File dialogs are answered by the app window, not the engine.');
}

/**
 * The handlers that call the real engine. `clients` keeps the session's registry clients for live lookups
 * (`image.resolve`), so their tokens and connections are reused; whoever passes it closes it (the API host does).
 */
export function engineHandlers(host: AppInfo['host'], settings: SessionSettings = createSessionSettings(), clients: RegistryClientPool = new RegistryClientPool()): ApiHandlers {
  const lookups = createCancellableLookups();
  return {
    ...reviewHandlers(),
    ...settingsHandlers(settings),
    'app.info': async () => ({ name: 'ferry', version: TOOL_VERSION, host, platform: platform() }),
    'bundle.inspect': async ({ dir }) => {
      const { path, manifest, bundleSha256, warnings, hints } = await inspectBundle(dir);
      return { path, manifest, bundleSha256, warnings, ...(hints.length > 0 ? { hints } : {}) };
    },
    'bundle.approve': async ({ dir, dirs, keyFile }) => {
      const r = await approveBundle(dirs ?? (dir === undefined ? [] : [dir]), keyFile);
      // the signatures as they stand now on every volume, the new approval included
      const bundle = await readBundleForSigning(r.volumes[0]!.dir);
      const { signatures } = await checkVolumeSignatures(r.volumes.map((v) => v.dir), bundle.bytes);
      if (r.volumes.length === 1) for (const s of signatures) delete s.volumes;
      return { file: r.file, keyId: r.keyId, bundleId: r.bundleId, preparers: r.preparers, signatures, volumes: r.volumes };
    },
    'media.list': async ({ all }) =>
      (await listVolumes({ all: all ?? false })).map((v) => ({
        mount: v.mount,
        label: v.label,
        fsType: v.fsType,
        capacity: v.capacity,
        free: v.free,
        device: v.device,
        removable: v.removable,
        readOnly: v.readOnly,
      })),
    'list.read': async ({ path }) => {
      const list = await readListFile(path);
      return { path, images: list.images, imagePlatforms: list.imagePlatforms, charts: list.charts, files: list.files };
    },
    'source.check': async ({ kind, source }) => checkSource(kind, source),
    'image.resolve': async ({ reference, insecureRegistries, lookupId }) =>
      lookups.run(lookupId, (signal) => clients.use(settings.registryOptions(insecureRegistries), (client) => describeSource(reference, client, signal), settings.revision?.())),
    'image.cancelResolve': async ({ lookupId }) => ({ cancelled: lookups.cancel(lookupId) }),
    'platforms.check': async ({ rows }) => ({ missing: missingPlatforms(rows) }),
    // what a delta against the offline side's holdings would carry, per image (nothing fetched but manifests)
    'bundle.planDelta': async (input) =>
      (input.images?.length ?? 0) === 0
        ? planDeltaView(input, undefined)
        : clients.use(settings.registryOptions(input.insecureRegistries), (client) => planDeltaView(input, client), settings.revision?.()),
    // native dialogs: the Electron shell answers these in its main process; anywhere else they are unsupported
    'dialog.openFolder': async () => noDialogs(host),
    'dialog.openFile': async () => noDialogs(host),
    'dialog.saveFile': async () => noDialogs(host),
    'media.plan': async ({ dir, targets, capacity }) => planWrite({ dir, targets, ...(capacity !== undefined ? { capacity } : {}) }),
    'media.write': async ({ dir, targets, capacity, force }, controls) => {
      const r = await writeToMedia({ dir, targets, ...(capacity !== undefined ? { capacity } : {}), ...(force !== undefined ? { force } : {}) }, controls);
      return {
        ok: r.ok,
        bundleId: r.bundleId,
        volumes: r.volumes.map((v) => ({ index: v.index, path: v.path, parts: v.parts, ok: v.ok, reused: v.reused, readBack: v.readBack.map((b) => ({ name: b.name, ok: b.ok, direct: b.direct, ...(b.problem ? { problem: b.problem } : {}) })) })),
        readBackDirect: r.readBackDirect,
        bytesWritten: r.bytesWritten,
        seconds: r.seconds,
      };
    },
    // 'bundle.verify' is reviewHandlers' (it remembers each verdict for the Review wizard's HTML report)
    'bundle.create': async (input, controls) => {
      const r = await createBundle(
        {
          images: input.images,
          outputDir: input.outputDir,
          ...(input.platforms ? { platforms: input.platforms } : {}),
          ...(input.split !== undefined ? { split: input.split } : {}),
          ...(input.force !== undefined ? { force: input.force } : {}),
          ...(input.imagePlatforms ? { imagePlatforms: input.imagePlatforms } : {}),
          ...(input.allPlatformsRequired ? { allPlatformsRequired: true } : {}),
          ...(input.parity !== undefined ? { parity: input.parity } : {}),
          ...(input.signKey !== undefined ? { signKey: input.signKey } : {}),
          ...(input.includeForeignLayers !== undefined ? { includeForeignLayers: input.includeForeignLayers } : {}),
          ...(input.charts && input.charts.length > 0 ? { charts: input.charts } : {}),
          ...(input.files && input.files.length > 0 ? { files: input.files } : {}),
          ...(input.referrers ? { referrers: true } : {}),
          // a delta: what the offline side holds is read (and its signatures checked) before any network work
          ...(input.have && input.have.length > 0 ? { have: input.have } : {}),
          ...(input.trustedKeys && input.trustedKeys.length > 0 ? { trustedKeys: input.trustedKeys } : {}),
          ...(await chartLogin(input.charts ?? [], settings)),
          // the registries, logins, CA files, concurrency and cache folder of the Settings
          registry: settings.registryOptions(input.insecureRegistries),
          concurrency: settings.view().concurrency,
          cacheDir: settings.view().cacheDir,
        },
        controls,
      );
      return { dir: r.dir, manifest: r.manifest, stats: r.stats };
    },
    // import (its reports kept for Save report), save report, repair, serve
    ...importHandlers(settings),
  };
}
