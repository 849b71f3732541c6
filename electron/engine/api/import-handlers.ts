import { access, constants, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { ImportSummary, SavedInventory, ServeSummary, WrittenOutput } from '../../../shared/api-contract.js';
import { exportBundleCharts, type WrittenChartFile } from '../charts/write-bundle-charts.js';
import { writeBundleFiles, type WrittenFile } from '../files/write-bundle-files.js';
import { placeInContainerd } from '../place/place-in-containerd.js';
import type { VerifyBundleOptions } from '../verify/verify-bundle.js';
import { openVerifiedBundle } from '../verify/open-verified-bundle.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { FerryError } from '../errors/ferry-error.js';
import { importBundle } from '../import/import-bundle.js';
import { parseImportTarget } from '../import/map-repository.js';
import { placeInFolder } from '../place/place-in-folder.js';
import { openVerifiedBases, reliesOnBlobs } from '../place/complete-archive.js';
import type { RegistryClientOptions } from '../registry/registry-client.js';
import { chainCredentials, defaultCredentialResolver, staticCredentials } from '../registry/credentials.js';
import { serveBundle } from '../serve/serve-bundle.js';
import { InventoryBuilder } from '../inventory/inventory-builder.js';
import { addPlacedBundleToInventory } from '../inventory/inventory-from-bundle.js';
import { readExistingInventory, updateInventory } from '../inventory/update-inventory.js';
import type { WrittenInventory } from '../inventory/write-inventory.js';
import { DEFAULT_CONTAINERD_NAMESPACE } from '../place/containerd-namespace.js';
import type { ParsedInput } from './api-handlers.js';

/**
 * `bundle.import`: into a registry (`to`, with an optional login used for this call only and never returned), a dry
 * run of the mapping, the verified archive placed into a k3s/k0s images folder (`toDir`), or loaded into a running containerd
 * (`toContainerd`); charts and plain files written into `chartsTo` / `filesTo` alongside.
 */
export async function importJob(input: ParsedInput<'bundle.import'>, controls: Required<JobControls>, session: RegistryClientOptions = {}): Promise<ImportSummary> {
  const checks = {
    ...(input.trustedKeys ? { trustedKeys: input.trustedKeys } : {}),
    ...(input.requireApproval !== undefined ? { requireApproval: input.requireApproval } : {}),
    ...(input.policy !== undefined ? { policy: input.policy } : {}),
    ...(input.cosignKeys?.length ? { cosignKeys: input.cosignKeys } : {}),
  };
  // "Save inventory for the next transfer": a place that cannot be written refuses the import before anything is done
  if (input.inventory !== undefined && !input.dryRun) await assertInventoryFolderWritable(input.inventory);
  if (input.toDir !== undefined || input.toContainerd !== undefined) return placeJob(input, checks, controls);
  if (input.to === undefined) throw new FerryError('bad-usage', 'Name a target: a registry (host[:port][/prefix]), a folder or a containerd socket.');
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
      checks,
      ...(input.mirrorConfigDir !== undefined ? { mirrorConfigDir: input.mirrorConfigDir } : {}),
      ...(input.chartsTo !== undefined ? { chartsTo: input.chartsTo } : {}),
      ...(input.filesTo !== undefined ? { filesTo: input.filesTo } : {}),
      // read (an invalid one refused) before anything is pushed; written after a successful import
      ...(input.inventory !== undefined && !input.dryRun ? { inventory: input.inventory } : {}),
    },
    controls,
  );
  return {
    ...(r.inventory ? { inventory: await savedInventory(r.inventory) } : {}),
    report: r.report,
    ...(r.mirrorText ? { mirrorConfig: r.mirrorText } : {}),
    ...(r.reportFile ? { reportFile: r.reportFile } : {}),
    ...(r.chartFiles ? { chartFiles: r.chartFiles.map(chartOutput) } : {}),
    ...(r.files ? { files: r.files.map(fileOutput) } : {}),
  };
}

/** An inventory as the app confirms it: where, how big, what it lists. */
async function savedInventory(written: WrittenInventory): Promise<SavedInventory> {
  const { repositories, tags, manifests, blobs, bytes } = written.counts;
  return { file: written.file, bytes: (await stat(written.file)).size, sha256: written.sha256, counts: { repositories, tags, manifests, blobs, bytes } };
}

/**
 * The folder of the inventory to save must exist and be writable (a write-protected stick is the usual case), checked
 * before anything is imported: otherwise the import would succeed and the inventory fail after it.
 */
async function assertInventoryFolderWritable(file: string): Promise<void> {
  const folder = dirname(resolve(file));
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new FerryError('bad-usage', `Cannot save the inventory ${resolve(file)}: the folder ${folder} does not exist; nothing was imported. Choose another file, or untick Save inventory for the next transfer.`, { subject: file });
  }
  try {
    await access(folder, constants.W_OK);
  } catch {
    throw new FerryError('io', `Cannot save the inventory ${resolve(file)}: the folder ${folder} cannot be written (read-only media?); nothing was imported. Choose another file, or untick Save inventory for the next transfer.`, { subject: file });
  }
}

const chartOutput = (c: WrittenChartFile): WrittenOutput => ({ name: basename(c.path), path: c.path, size: c.size, sha256: c.sha256 });
const fileOutput = (f: WrittenFile): WrittenOutput => ({ name: f.name, path: f.path, size: f.size, sha256: f.sha256 });

/** The usual containerd sockets, named in the error when the one given is not there. */
const SOCKET_HINT = 'k3s uses /run/k3s/containerd/containerd.sock, k0s /run/k0s/containerd.sock, plain containerd /run/containerd/containerd.sock';

/**
 * `bundle.import` with `toDir` or `toContainerd`: the trust checks first when any are asked (cosign signatures included:
 * an image without a valid one places nothing), then the archive streamed (checked part by part) into the folder or
 * into containerd through ctr, then the charts and plain files written when asked.
 */
async function placeJob(input: ParsedInput<'bundle.import'>, checks: Omit<VerifyBundleOptions, 'dirs'>, controls: Required<JobControls>): Promise<ImportSummary> {
  const { dirs } = input;
  const address = input.toContainerd;
  if (address !== undefined) {
    const found = await stat(address).catch(() => undefined);
    if (!found?.isSocket()) {
      throw new FerryError('not-found', `No containerd socket at ${address}: is containerd running? ${SOCKET_HINT}; pick the right one or start the node, then import again.`, { subject: address });
    }
  }
  // an inventory to update must be readable before anything is placed
  const previous = input.inventory !== undefined ? ((await readExistingInventory(input.inventory)) ?? null) : undefined;
  // the whole bundle proven (and trusted, signed, within policy when asked) before anything is placed
  const bundle = await openVerifiedBundle({ dirs, ...checks, consequence: 'nothing was imported' }, controls);
  // a delta is made complete from its earlier bundles (each verified too), or refused by the place functions
  const bases = reliesOnBlobs(bundle.manifest) ? await openVerifiedBases(input.bases ?? [], 'nothing was imported', controls) : [];
  const summary: ImportSummary = {};
  let namespace = DEFAULT_CONTAINERD_NAMESPACE;
  if (address !== undefined) {
    const loaded = await placeInContainerd({ bundle, bases, address }, controls);
    namespace = loaded.namespace;
    summary.containerd = { address, namespace: loaded.namespace, images: loaded.images, bytes: loaded.bytes };
  } else {
    const placed = await placeInFolder({ bundle, bases, targetDir: input.toDir! }, controls);
    summary.placed = { path: placed.path, bytes: placed.bytes, sha256: placed.sha256, replaced: placed.replaced };
  }
  if (input.inventory !== undefined && previous !== undefined) {
    // what containerd now holds (directly, or once k3s/k0s import the folder): the bundle's images under their names
    const add = new InventoryBuilder();
    await addPlacedBundleToInventory(add, bundle, namespace, controls);
    summary.inventory = await savedInventory(await updateInventory({ file: input.inventory, previous, add, onProgress: controls.onProgress }));
  }
  // the charts and files are read from the same verified view
  if (input.chartsTo !== undefined) summary.chartFiles = (await exportBundleCharts({ bundle, chartsTo: input.chartsTo }, controls)).map(chartOutput);
  if (input.filesTo !== undefined) summary.files = (await writeBundleFiles({ bundle, filesTo: input.filesTo }, controls)).map(fileOutput);
  return summary;
}

/** `bundle.serve`: the bundle as a read-only registry on 127.0.0.1:PORT until the job is cancelled (a `serving` event gives the URL). */
export async function serveJob(input: ParsedInput<'bundle.serve'>, controls: Required<JobControls>): Promise<ServeSummary> {
  const { signal } = controls;
  const served = await serveBundle({ dirs: input.dirs, listen: `127.0.0.1:${input.port}` }, { signal, onProgress: controls.onProgress });
  controls.onProgress({ kind: 'serving', url: served.url, repositories: served.repositories });
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await served.close();
  return { url: served.url, repositories: served.repositories, stopped: true };
}
