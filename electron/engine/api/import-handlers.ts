import { randomUUID } from 'node:crypto';
import { access, constants, lstat, mkdir, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { ImportSummary, RepairSummary, SavedInventory, SavedReport, ServeSummary, WrittenOutput } from '../../../shared/api-contract.js';
import { SIGNATURES_DIR } from '../../../shared/signature.js';
import { BUNDLE_FILE } from '../bundle/output-folder.js';
import { newRunId, partialName } from '../bundle/partial-name.js';
import type { ImportReport } from '../import/import-report.js';
import { copyFileSynced } from '../media/copy-file.js';
import { ProgressMeter } from '../progress/progress-meter.js';
import { readReferenceManifest, type ReferenceManifest } from '../repair/read-reference-manifest.js';
import { repairBundle } from '../repair/repair-bundle.js';
import { MAX_SIGNATURE_FILE_BYTES, MAX_SIGNATURE_FILES } from '../trust/signatures-folder.js';
import { readRegularFile } from '../util/read-regular-file.js';
import { syncDir } from '../util/sync-dir.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { findFile, openBundleVolumes } from '../verify/bundle-volumes.js';
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
import type { ApiHandlers, ParsedInput } from './api-handlers.js';
import type { SessionSettings } from './session-settings.js';

/**
 * `bundle.import`: into a registry (`to`, with an optional login used for this call only and never returned), a dry
 * run of the mapping, the verified archive placed into a k3s/k0s images folder (`toDir`), or loaded into a running containerd
 * (`toContainerd`); charts and plain files written into `chartsTo` / `filesTo` alongside.
 */
export async function importJob(input: ParsedInput<'bundle.import'>, controls: Required<JobControls>, session: RegistryClientOptions = {}, reports?: ImportReports): Promise<ImportSummary> {
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
    // kept by the host, so Save report writes what this import produced, never bytes the page sends
    ...(reports && !r.report.dryRun ? { reportId: reports.keep(r.report) } : {}),
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

/** How many finished imports' reports the host keeps for Save report (the newest ones). */
const KEPT_REPORTS = 32;

/** The reports of the session's finished imports, by the id their summary carries (`reportId`). */
export interface ImportReports {
  /** Keeps a report; returns its id. */
  keep(report: ImportReport): string;
  get(id: string): ImportReport | undefined;
}

/** A host session's import reports: the last {@link KEPT_REPORTS}, in memory. */
export function createImportReports(): ImportReports {
  const kept = new Map<string, ImportReport>();
  return {
    keep(report) {
      const id = randomUUID();
      kept.set(id, report);
      for (const old of kept.keys()) {
        if (kept.size <= KEPT_REPORTS) break;
        kept.delete(old);
      }
      return id;
    },
    get: (id) => kept.get(id),
  };
}

/** An import report's bytes exactly as `ferry import` writes `import-report.json`. */
export function importReportText(report: ImportReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** `import.saveReport`: writes the kept report of a finished import to `file` (temporary name, then rename). */
export async function saveImportReport(input: ParsedInput<'import.saveReport'>, reports: ImportReports): Promise<SavedReport> {
  const report = reports.get(input.reportId);
  if (!report) throw new FerryError('not-found', 'That import report is no longer kept (the app was restarted, or many imports ran since): import again to get a report.', { subject: input.reportId });
  const file = resolve(input.file);
  const folder = await stat(dirname(file)).catch(() => undefined);
  if (!folder?.isDirectory()) throw new FerryError('bad-usage', `Cannot save the report ${file}: the folder ${dirname(file)} does not exist.`, { subject: file });
  const existing = await lstat(file).catch(() => undefined);
  if (existing && !existing.isFile()) throw new FerryError('bad-usage', `Cannot save the report ${file}: it is ${existing.isDirectory() ? 'a folder' : 'not a regular file'}.`, { subject: file });
  const text = importReportText(report);
  await writeFileAtomic(file, text);
  return { file, bytes: Buffer.byteLength(text) };
}

/** A part or signature name that is one plain file name (bundle.json is hostile input). */
const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

/**
 * Gathers the volumes of a set into `toDir` (new, or an empty folder): bundle.json (the first valid one), every
 * signature file, and every data and parity part found with its recorded size — each copied under a temporary name,
 * flushed and renamed. Missing or damaged parts are left for the repair to rebuild. Returns the names copied.
 */
async function gatherVolumes(dirs: string[], toDir: string, controls: Required<JobControls>): Promise<{ dir: string; copied: string[] }> {
  const volumes = await openBundleVolumes(dirs);
  const target = resolve(toDir);
  const real = await realpath(target).catch(() => target);
  for (const v of volumes) {
    if ((await realpath(v.dir).catch(() => v.dir)) === real) throw new FerryError('bad-usage', `${target} is one of the volumes: choose a new or empty folder to repair into.`, { subject: target });
  }
  const info = await stat(target).catch(() => undefined);
  if (info && !info.isDirectory()) throw new FerryError('bad-usage', `${target} is not a folder: choose a new or empty folder to repair into.`, { subject: target });
  if (info && (await readdir(target)).length > 0) throw new FerryError('output-exists', `${target} is not empty: choose a new or empty folder to repair into.`, { subject: target });
  let ref: ReferenceManifest | undefined;
  for (const v of volumes) {
    ref = await readReferenceManifest(v.dir).catch(() => undefined);
    if (ref) break;
  }
  if (!ref) throw new FerryError('damaged', `None of the volumes holds a valid ${BUNDLE_FILE}, so no part can be proven: copy bundle.json again from the sender.`, { subject: dirs.join(', ') });
  const { manifest } = ref;
  await mkdir(target, { recursive: true });
  const copied: string[] = [];
  await writeFileAtomic(join(target, BUNDLE_FILE), ref.bytes);
  copied.push(BUNDLE_FILE);
  // every volume's signatures, once each (an approval may be on one stick only)
  const signatures = new Set<string>();
  for (const v of volumes) {
    const folder = join(v.dir, SIGNATURES_DIR);
    const state = await lstat(folder).catch(() => undefined);
    if (!state?.isDirectory()) continue;
    for (const name of (await readdir(folder)).sort()) {
      if (!PLAIN_NAME.test(name) || signatures.has(name) || signatures.size >= MAX_SIGNATURE_FILES) continue;
      const bytes = await readRegularFile(join(folder, name), { maxBytes: MAX_SIGNATURE_FILE_BYTES }).catch(() => undefined);
      if (!bytes) continue;
      if (signatures.size === 0) await mkdir(join(target, SIGNATURES_DIR), { recursive: true });
      await writeFileAtomic(join(target, SIGNATURES_DIR, name), bytes);
      signatures.add(name);
      copied.push(`${SIGNATURES_DIR}/${name}`);
    }
  }
  const records = [...manifest.archive.parts, ...(manifest.archive.parity?.parts ?? [])].filter((p) => PLAIN_NAME.test(p.name));
  const sources: { name: string; path: string; size: number }[] = [];
  for (const record of records) {
    for (const v of volumes) {
      const found = await findFile(v, record.name);
      if (found?.ok && found.size === record.size) {
        sources.push({ name: record.name, path: found.path, size: found.size });
        break;
      }
    }
  }
  const total = sources.reduce((n, s) => n + s.size, 0);
  controls.onProgress({ kind: 'phase-start', phase: 'write', totalBytes: total, totalItems: sources.length });
  const meter = new ProgressMeter('write', total, controls.onProgress);
  const run = newRunId();
  for (const source of sources) {
    controls.onProgress({ kind: 'item-start', phase: 'write', item: source.name, totalBytes: source.size });
    const temp = join(target, partialName(run, source.name));
    try {
      await copyFileSynced(source.path, temp, { signal: controls.signal, onBytes: (b) => meter.add(b) });
      await rename(temp, join(target, source.name));
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    controls.onProgress({ kind: 'item-end', phase: 'write', item: source.name, bytes: source.size });
    copied.push(source.name);
  }
  meter.finish();
  await syncDir(target);
  controls.onProgress({ kind: 'phase-end', phase: 'write' });
  return { dir: target, copied };
}

/**
 * `bundle.repair`: rebuilds lost or damaged parts from parity with the engine's repair (`ferry repair`): in place for
 * one folder, or — for the volumes of a set — into `toDir`, where the volumes are gathered first.
 */
export async function repairJob(input: ParsedInput<'bundle.repair'>, controls: Required<JobControls>): Promise<RepairSummary> {
  const gathered = input.toDir !== undefined ? await gatherVolumes(input.dirs, input.toDir, controls) : undefined;
  const r = await repairBundle(gathered?.dir ?? input.dirs[0]!, controls);
  return {
    dir: r.dir,
    whole: r.whole,
    parityParts: r.parityParts,
    damaged: r.damaged.map((d) => ({ name: d.name, rebuilt: d.rebuilt, problem: d.problem, ...(d.reason ? { reason: d.reason } : {}) })),
    problems: r.problems,
    ...(gathered ? { copied: gathered.copied } : {}),
  };
}

/** The Import wizard's calls on the engine: import (its reports kept for Save report), save report, repair, serve. */
export function importHandlers(settings: SessionSettings): Pick<ApiHandlers, 'bundle.import' | 'import.saveReport' | 'bundle.repair' | 'bundle.serve'> {
  const reports = createImportReports();
  return {
    'bundle.import': (input, controls) => importJob(input, controls, settings.registryOptions(), reports),
    'import.saveReport': async (input) => saveImportReport(input, reports),
    'bundle.repair': (input, controls) => repairJob(input, controls),
    'bundle.serve': (input, controls) => serveJob(input, controls),
  };
}
