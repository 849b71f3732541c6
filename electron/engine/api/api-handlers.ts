import { platform } from 'node:os';
import type { ApiChannel, ApiResults, AppInfo, JobChannel, JobResults } from '../../../shared/api-contract.js';
import type { API_INPUTS } from '../../../shared/api-contract.js';
import type { z } from 'zod';
import { createBundle, type JobControls } from '../bundle/create-bundle.js';
import { inspectBundle } from '../bundle/inspect-bundle.js';
import { importBundle } from '../import/import-bundle.js';
import { listVolumes } from '../media/list-volumes.js';
import { approveBundle } from '../trust/approve-bundle.js';
import { verifyBundle } from '../verify/verify-bundle.js';
import { TOOL_VERSION } from '../version.js';

/** A call's input after the contract's schema has checked it. */
export type ParsedInput<C extends ApiChannel> = z.output<(typeof API_INPUTS)[C]>;

/** How the host answers a plain call. */
export type CallHandler<C extends ApiChannel> = (input: ParsedInput<C>) => Promise<ApiResults[C]>;

/** How the host runs a job: given its checked input, its progress callback and its cancellation signal. */
export type JobHandler<C extends JobChannel> = (input: ParsedInput<C>, controls: Required<JobControls>) => Promise<JobResults[C]>;

/** Every call's implementation on the engine façade (`job.cancel` is the host's own). */
export type ApiHandlers = { [C in Exclude<ApiChannel, JobChannel | 'job.cancel'>]: CallHandler<C> } & { [C in JobChannel]: JobHandler<C> };

/** The handlers that call the real engine. */
export function engineHandlers(host: AppInfo['host']): ApiHandlers {
  return {
    'app.info': async () => ({ name: 'ferry', version: TOOL_VERSION, host, platform: platform() }),
    'bundle.inspect': async ({ dir }) => {
      const { path, manifest, bundleSha256, warnings } = await inspectBundle(dir);
      return { path, manifest, bundleSha256, warnings };
    },
    'bundle.approve': async ({ dir, keyFile }) => {
      const r = await approveBundle(dir, keyFile);
      return { file: r.file, keyId: r.keyId, bundleId: r.bundleId, preparers: r.preparers, signatures: r.signatures };
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
    'bundle.verify': (input, controls) => verifyBundle(input, controls),
    'bundle.create': async (input, controls) => {
      const r = await createBundle(
        {
          images: input.images,
          outputDir: input.outputDir,
          ...(input.platforms ? { platforms: input.platforms } : {}),
          ...(input.split !== undefined ? { split: input.split } : {}),
          ...(input.force !== undefined ? { force: input.force } : {}),
        },
        controls,
      );
      return { dir: r.dir, manifest: r.manifest, stats: r.stats };
    },
    'bundle.import': async (input, controls) => {
      const r = await importBundle(
        {
          dirs: input.dirs,
          to: input.to,
          ...(input.map ? { map: input.map } : {}),
          ...(input.insecureRegistries ? { registry: { insecureRegistries: input.insecureRegistries } } : {}),
        },
        controls,
      );
      return { report: r.report, ...(r.reportFile ? { reportFile: r.reportFile } : {}) };
    },
  };
}
