import type { Volume } from './media-volume.js';
import { z } from 'zod';
import type { BundleManifest, ReferrerRecord } from './bundle-manifest.js';
import type { DiffReport } from './diff-report.js';
import type { ErrorHint, SerializedError } from './errors.js';
import type { ProgressEvent } from './progress.js';
import type { CosignReport, SignatureCheck, VerifyReport } from './verify-report.js';

/**
 * The one API between the app's renderer and its host (the web host of `ferry ui`, later Electron IPC).
 * Every call is declared once here: its name, its input schema (validated by the host, never trusted
 * from the renderer) and its result type. Calls marked `job` return `{ jobId }` at once; their progress
 * and final outcome arrive as {@link JobMessage}s.
 */

/** A path the user typed or picked: non-empty, no NUL byte, of a sane length. */
export const UserPathSchema = z
  .string()
  .min(1, 'a path is required')
  .max(4096, 'a path of at most 4096 characters')
  .refine((p) => !p.includes('\0'), 'a path without NUL bytes')
  .refine((p) => p.trim().length > 0, 'a path that is not blank');

/** A short piece of text the user typed (a reference, a platform, a registry host). */
const TextSchema = z.string().min(1).max(1024).refine((s) => !s.includes('\0'), 'text without NUL bytes');

/** The most inventories and old bundles one delta is made against from the app. */
export const MAX_HAVE = 100;

/** Input schemas, one per call. */
export const API_INPUTS = {
  'app.info': z.strictObject({}),
  'bundle.inspect': z.strictObject({ dir: UserPathSchema }),
  'bundle.verify': z.strictObject({
    dirs: z.array(UserPathSchema).min(1, 'at least one bundle folder'),
    trustedKeys: z.array(UserPathSchema).optional(),
    requireApproval: z.boolean().optional(),
    policy: UserPathSchema.optional(),
    cosignKeys: z.array(UserPathSchema).optional(),
  }),
  'bundle.artifacts': z.strictObject({ dir: UserPathSchema, cosignKeys: z.array(UserPathSchema).optional() }),
  /** What `new` (a bundle folder or its bundle.json, or an inventory) brings against `old` (likewise): `ferry diff OLD NEW`. */
  'bundle.diff': z.strictObject({ old: UserPathSchema, new: UserPathSchema }),
  'bundle.report': z.strictObject({
    dir: UserPathSchema,
    outFile: UserPathSchema,
    trustedKeys: z.array(UserPathSchema).optional(),
    requireApproval: z.boolean().optional(),
    policy: UserPathSchema.optional(),
    cosignKeys: z.array(UserPathSchema).optional(),
    verify: z.boolean().optional(),
  }),
  'settings.get': z.strictObject({}),
  'settings.setRegistry': z.strictObject({
    host: TextSchema,
    username: z.string().max(1024).optional(),
    password: z.string().max(4096).optional(),
    caFile: z.union([UserPathSchema, z.literal('')]).optional(),
    insecure: z.boolean().optional(),
  }),
  'settings.removeRegistry': z.strictObject({ host: TextSchema }),
  'settings.setOptions': z.strictObject({ concurrency: z.number().int().min(1).max(64).optional(), cacheDir: UserPathSchema.optional() }),
  'cache.info': z.strictObject({ dir: UserPathSchema.optional() }),
  'cache.clear': z.strictObject({ dir: UserPathSchema.optional() }),
  'bundle.create': z
    .strictObject({
      images: z.array(TextSchema),
      outputDir: UserPathSchema,
      platforms: z.array(TextSchema).optional(),
      split: z.union([TextSchema, z.number().int().positive()]).optional(),
      force: z.boolean().optional(),
      imagePlatforms: z.array(z.strictObject({ image: TextSchema, platforms: z.array(TextSchema).min(1) })).max(10_000).optional(),
      /** Every platform asked for is required of every image (an image lacking one fails the build), instead of "whichever of these each image has". */
      allPlatformsRequired: z.boolean().optional(),
      parity: z.number().int().min(1).max(32).optional(),
      signKey: UserPathSchema.optional(),
      includeForeignLayers: z.boolean().optional(),
      insecureRegistries: z.array(TextSchema).max(100).optional(),
      /** Helm charts as `ferry bundle --chart` takes them (`REPO_URL/NAME@VERSION`, `oci://HOST/PATH/NAME:VERSION`). */
      charts: z.array(TextSchema).max(1000).optional(),
      /** Plain files as `ferry bundle --file` takes them (a path on the host, or an http(s) URL). */
      files: z.array(UserPathSchema).max(1000).optional(),
      /** Also carry cosign signatures, attestations and SBOMs and OCI 1.1 referrers (`ferry bundle --referrers`). */
      referrers: z.boolean().optional(),
      /**
       * What the offline side holds (`ferry bundle --have`): inventory files and folders of bundles already carried
       * across. Blobs held there are neither fetched nor carried: the bundle is a delta.
       */
      have: z.array(UserPathSchema).max(MAX_HAVE, `at most ${MAX_HAVE} inventories or old bundles`).optional(),
      /** Public keys (`.pub`) every `have` must be signed by (`ferry bundle --trust`). */
      trustedKeys: z.array(UserPathSchema).max(100).optional(),
    })
    .refine((i) => i.images.length + (i.charts?.length ?? 0) + (i.files?.length ?? 0) > 0, { message: 'at least one image, chart or file', path: ['images'] })
    .refine((i) => !i.trustedKeys?.length || (i.have?.length ?? 0) > 0, { message: 'trusted keys check what have gives: name an inventory or old bundle too', path: ['trustedKeys'] }),
  /**
   * What a delta would carry (`ferry bundle --have` without fetching a blob): the holdings of every `have` (read and
   * checked by the engine), and per image the bytes the offline side lacks against its total for its platforms.
   * Without images it only reads and checks the holdings (the Prepare wizard's "Add" of an inventory or old bundle).
   */
  'bundle.planDelta': z.strictObject({
    have: z.array(UserPathSchema).min(1, 'at least one inventory or old bundle folder').max(MAX_HAVE, `at most ${MAX_HAVE} inventories or old bundles`),
    trustedKeys: z.array(UserPathSchema).max(100).optional(),
    images: z.array(z.strictObject({ reference: TextSchema, platforms: z.array(TextSchema).max(64).optional() })).max(10_000).optional(),
    includeForeignLayers: z.boolean().optional(),
    insecureRegistries: z.array(TextSchema).max(100).optional(),
  }),
  /** Checks one chart or file source of the Prepare wizard before it is added (nothing fetched). */
  'source.check': z.strictObject({ kind: z.enum(['chart', 'file']), source: UserPathSchema }),
  'list.read': z.strictObject({ path: UserPathSchema }),
  /** One image's live lookup; `lookupId` (chosen by the caller) lets `image.cancelResolve` stop it. */
  'image.resolve': z.strictObject({ reference: TextSchema, insecureRegistries: z.array(TextSchema).max(100).optional(), lookupId: z.string().min(1).max(100).optional() }),
  /** Stops the `image.resolve` with this `lookupId`: it answers `cancelled` once stopped (a cancel that arrives first stops it at once). */
  'image.cancelResolve': z.strictObject({ lookupId: z.string().min(1).max(100) }),
  'platforms.check': z.strictObject({
    rows: z.array(z.strictObject({ wanted: z.array(TextSchema).max(64), available: z.array(TextSchema).max(256) })).max(10_000),
  }),
  'media.plan': z.strictObject({ dir: UserPathSchema, targets: z.array(UserPathSchema).min(1, 'at least one target').max(64), capacity: z.number().int().positive().optional() }),
  'media.write': z.strictObject({
    dir: UserPathSchema,
    targets: z.array(UserPathSchema).min(1, 'at least one target').max(64),
    capacity: z.number().int().positive().optional(),
    force: z.boolean().optional(),
  }),
  'bundle.approve': z
    .strictObject({
      /** One bundle folder (kept for the Review wizard, which opens one folder). */
      dir: UserPathSchema.optional(),
      /** Every volume of a multi-volume set: each gets the approval. */
      dirs: z.array(UserPathSchema).min(1, 'at least one bundle folder').max(64).optional(),
      keyFile: UserPathSchema,
    })
    .refine((i) => (i.dir === undefined) !== (i.dirs === undefined), { message: 'exactly one of dir (one folder) or dirs (every volume of a set)', path: ['dirs'] }),
  /** Review: the bundle's signatures and approvals on every folder given, each checked, and against `trustedKeys` when given. */
  'bundle.signatures': z.strictObject({ dirs: z.array(UserPathSchema).min(1, 'at least one bundle folder').max(64), trustedKeys: z.array(UserPathSchema).max(100).optional() }),
  /** Review: signs as preparer (`ferry sign`) the bundle folder, or every copy or volume given (each verified whole first). */
  'bundle.sign': z.strictObject({ dirs: z.array(UserPathSchema).min(1, 'at least one bundle folder').max(64), keyFile: UserPathSchema }),
  /** Review: the other mounted volumes holding the same bundle (by id) at their root: copies written to media earlier. */
  'bundle.copies': z.strictObject({ dir: UserPathSchema }),
  'bundle.import': z
    .strictObject({
      dirs: z.array(UserPathSchema).min(1, 'at least one bundle folder'),
      /** `host[:port][/prefix]`: the target registry. */
      to: TextSchema.optional(),
      /** Instead of `to`: write the verified archive as `ferry-<id>.tar` into this folder (k3s/k0s images folder). */
      toDir: UserPathSchema.optional(),
      /** Instead of `to`/`toDir`: load every image into the running containerd at this socket (through `ctr images import`). */
      toContainerd: UserPathSchema.optional(),
      /** With `toDir`/`toContainerd` and a delta: earlier bundle folders (every volume of a set) supplying the blobs it relies on. */
      bases: z.array(UserPathSchema).optional(),
      map: z.array(TextSchema).optional(),
      /** Only map (with `to`): where each image would go; nothing verified, contacted or written. */
      dryRun: z.boolean().optional(),
      insecureRegistries: z.array(TextSchema).optional(),
      caFiles: z.array(UserPathSchema).optional(),
      /** A login for the `to` registry, used for this call only: never stored, never returned. */
      credentials: z.strictObject({ username: z.string().min(1).max(1024), password: z.string().min(1).max(8192) }).optional(),
      mirrorConfigDir: UserPathSchema.optional(),
      chartsTo: UserPathSchema.optional(),
      filesTo: UserPathSchema.optional(),
      trustedKeys: z.array(UserPathSchema).optional(),
      requireApproval: z.boolean().optional(),
      policy: UserPathSchema.optional(),
      /** Cosign public keys: nothing is imported unless every image has a valid cosign signature by one. */
      cosignKeys: z.array(UserPathSchema).optional(),
      /**
       * "Save inventory for the next transfer" (`ferry import --inventory`): after a successful import, write or update
       * this inventory file with what the import put where. An existing file that is not a valid inventory, or a folder
       * that cannot be written, is refused before anything is imported.
       */
      inventory: UserPathSchema.optional(),
    })
    .refine((i) => [i.to, i.toDir, i.toContainerd].filter((t) => t !== undefined).length === 1, {
      message: 'exactly one target: a registry (to), a folder (toDir) or a containerd socket (toContainerd)',
      path: ['to'],
    })
    .refine((i) => !i.dryRun || i.to !== undefined, { message: 'a dry run maps images onto a registry (to)', path: ['dryRun'] })
    .refine((i) => !i.bases?.length || i.to === undefined, { message: 'bases make a delta complete for a folder or containerd; a registry (to) must hold them itself', path: ['bases'] })
    .refine((i) => !i.dryRun || i.inventory === undefined, { message: 'a dry run imports nothing, so there is no inventory to save', path: ['inventory'] }),
  /**
   * Rebuilds lost or damaged parts from parity (`ferry repair`): in place for one folder, or into `toDir` (a new or
   * empty folder) for every volume of a set: bundle.json, signatures and every part found are copied there first.
   */
  'bundle.repair': z
    .strictObject({ dirs: z.array(UserPathSchema).min(1, 'at least one bundle folder').max(64), toDir: UserPathSchema.optional() })
    .refine((i) => i.dirs.length === 1 || i.toDir !== undefined, { message: 'the volumes of a set are repaired into one folder: name it (toDir)', path: ['toDir'] }),
  /** Saves the report of a finished import (`reportId` from its summary) as `import-report.json` is written by `ferry import`. */
  'import.saveReport': z.strictObject({ reportId: z.string().min(1).max(100), file: UserPathSchema }),
  'bundle.serve': z.strictObject({
    dirs: z.array(UserPathSchema).min(1, 'at least one bundle folder'),
    /** The loopback port (0 picks a free one). */
    port: z.number().int().min(0).max(65535),
  }),
  'media.list': z.strictObject({ all: z.boolean().optional() }),
  'job.cancel': z.strictObject({ jobId: z.string().min(1).max(100) }),
  /** Native dialogs: answered by the Electron shell only (the web host answers `unsupported`). */
  'dialog.openFolder': z.strictObject({ title: z.string().max(200).optional(), defaultPath: UserPathSchema.optional() }),
  'dialog.openFile': z.strictObject({
    title: z.string().max(200).optional(),
    defaultPath: UserPathSchema.optional(),
    filters: z.array(z.strictObject({ name: z.string().min(1).max(100), extensions: z.array(z.string().min(1).max(20).regex(/^[A-Za-z0-9*]+$/)).min(1).max(20) })).max(20).optional(),
  }),
  'dialog.saveFile': z.strictObject({
    title: z.string().max(200).optional(),
    defaultPath: UserPathSchema.optional(),
    filters: z.array(z.strictObject({ name: z.string().min(1).max(100), extensions: z.array(z.string().min(1).max(20).regex(/^[A-Za-z0-9*]+$/)).min(1).max(20) })).max(20).optional(),
  }),
} as const;

/** Every call's name. */
export type ApiChannel = keyof typeof API_INPUTS;

/** The input of a call, as the renderer sends it. */
export type ApiInput<C extends ApiChannel> = z.input<(typeof API_INPUTS)[C]>;

/** The calls that start a long job: they answer `{ jobId }` at once. */
export const JOB_CHANNELS = ['bundle.verify', 'bundle.create', 'bundle.import', 'bundle.serve', 'media.write', 'bundle.repair'] as const;

/** A call that starts a long job. */
export type JobChannel = (typeof JOB_CHANNELS)[number];

/** True for the calls that start a long job. */
export function isJobChannel(channel: string): channel is JobChannel {
  return (JOB_CHANNELS as readonly string[]).includes(channel);
}

/** True for a declared call name. */
export function isApiChannel(channel: string): channel is ApiChannel {
  return Object.hasOwn(API_INPUTS, channel);
}

/** What `app.info` answers. */
export interface AppInfo {
  name: 'ferry';
  version: string;
  /** Where the host runs: `web` (`ferry ui`) or `electron`. */
  host: 'web' | 'electron';
  platform: string;
}

/** What `bundle.inspect` answers: the bundle's manifest as read for review. */
export interface BundleInspectResult {
  /** The `bundle.json` read. */
  path: string;
  manifest: BundleManifest;
  /** sha256 (hex) of the exact bytes of `bundle.json`. */
  bundleSha256: string;
  warnings: string[];
  /** What the reader can do about the warnings, worded by each surface (carry foreign layers, give the base bundles). */
  hints?: ErrorHint[];
}

/** One carried SBOM or attestation of an image, as read from the archive. */
export interface ArtifactView {
  digest: string;
  kind: ReferrerRecord['kind'];
  format?: string;
  packages?: number;
  predicateType?: string;
  /** One line for people (`SPDX-2.3, 3 packages`). */
  detail: string;
}

/** What `bundle.artifacts` answers: each image's carried SBOMs and attestations and, with keys, its cosign verdicts. */
export interface BundleArtifactsResult {
  /** Image reference → its SBOMs and attestations (empty when the bundle carries none or its archive cannot be read). */
  artifacts: Record<string, ArtifactView[]>;
  cosign?: CosignReport;
}

/** What `settings.get` (and every settings change) answers: never a password, only whether one is kept. */
export interface SettingsView {
  registries: { host: string; username?: string; hasPassword: boolean; caFile?: string; insecure: boolean }[];
  concurrency: number;
  cacheDir: string;
}

/** What `cache.info` and `cache.clear` answer. */
export interface CacheInfo {
  dir: string;
  bytes: number;
  blobs: number;
}

/** What `bundle.create` finishes with. */
export interface CreateBundleSummary {
  dir: string;
  manifest: BundleManifest;
  /**
   * `blobs`/`bytes`: what the archive carries; `blobsOmitted`/`bytesOmitted`: what a delta leaves to the offline side
   * (0 for a complete bundle), so the images' full size is `bytes + bytesOmitted`.
   */
  stats: { blobs: number; bytes: number; bytesFromCache: number; bytesFetched: number; seconds: number; blobsOmitted: number; bytesOmitted: number };
}

/** One inventory or old bundle a delta is planned against, as the engine read it. */
export interface DeltaPlanBase {
  /** The path given. */
  path: string;
  kind: 'inventory' | 'bundle';
  /** sha256 (hex) of the inventory's bytes, or of the old bundle's `bundle.json`. */
  sha256: string;
  /** The old bundle's id. */
  bundleId?: string;
  /** When it was made, as it says. */
  created?: string;
  /** The key id (hex) that signed it, when trusted keys were given. */
  signer?: string;
  /** Config and layer blobs it says the offline side holds. */
  blobs: number;
}

/** One image of a delta plan: its bytes for the chosen platforms, and those the offline side lacks; or why it could not be planned. */
export type DeltaPlanImage =
  | {
      reference: string;
      /** Every blob it needs (manifests included), whether carried or held offline. */
      totalBytes: number;
      /** The bytes of those the offline side does not hold: what the delta carries for it. */
      newBytes: number;
      blobs: number;
      newBlobs: number;
    }
  | { reference: string; error: SerializedError };

/** What `bundle.planDelta` answers. */
export interface DeltaPlanResult {
  bases: DeltaPlanBase[];
  /** One per image asked about, in the order given. */
  images: DeltaPlanImage[];
  /** The distinct blobs of the planned images: all of them, those carried, those held offline (left out). */
  totalBytes: number;
  newBytes: number;
  heldBytes: number;
  heldBlobs: number;
  /** Not failures (sizes that disagree, an archive that could not be read, nothing in common). */
  warnings: string[];
}

/** The inventory an import saved ("Save inventory for the next transfer"). */
export interface SavedInventory {
  /** The file, as an absolute path. */
  file: string;
  /** Its size in bytes. */
  bytes: number;
  /** sha256 (hex) of its bytes. */
  sha256: string;
  counts: { repositories: number; tags: number; manifests: number; blobs: number; bytes: number };
}

/** What `bundle.approve` answers. */
export interface ApproveResult {
  file: string;
  keyId: string;
  bundleId: string;
  /** Key ids of the preparer signatures the approval countersigns. */
  preparers: string[];
  /** The bundle's signatures after the approval (the new one included), each checked. */
  signatures: SignatureCheck[];
  /** Every volume the approval was written to, and the file written there. */
  volumes: { dir: string; file: string }[];
}

/** What `bundle.signatures` answers: every signature found, checked; trust is known only when trusted keys were read. */
export interface BundleSignaturesResult {
  /** sha256 (hex) of the `bundle.json` the signatures were checked against. */
  bundleSha256: string;
  /** Each signature (with `volumes` when several folders were given). */
  signatures: SignatureCheck[];
  /** The trusted keys read (file and full key id); empty: nobody's trust was checked. */
  trustedKeys: { file: string; keyId: string }[];
  /** Trusted key files that could not be read, each with why (the others still count). */
  keyProblems: { file: string; message: string }[];
  /** The folders disagree (a signature on some only). */
  warnings: string[];
}

/** What `bundle.sign` answers: the preparer signature written to every folder given. */
export interface SignResult {
  keyId: string;
  bundleId: string;
  volumes: { dir: string; file: string }[];
}

/** What `bundle.copies` answers: the mounted volumes holding the same bundle at their root. */
export interface BundleCopiesResult {
  bundleId: string;
  copies: { dir: string; label: string; sameBundleJson: boolean }[];
  /** Why volumes could not be listed, when they could not (then `copies` is empty). */
  problem?: string;
}

/** What `bundle.report` answers: where the page went, and the integrity verdict it holds (a Verify run of this session). */
export interface ReportResult {
  path: string;
  integrity?: { ok: boolean; verifiedAt: string };
}

/** The mirror configuration an import generated, as text to copy onto the nodes. */
export interface MirrorConfigText {
  /** containerd `hosts.toml`, one per source registry (goes to `<config_path>/<source>/hosts.toml`). */
  hostsToml: { source: string; text: string }[];
  /** k3s `/etc/rancher/k3s/registries.yaml`. */
  registriesYaml: string;
  warnings: string[];
}

/** The archive `bundle.import` with `toDir` placed. */
export interface PlacedArchive {
  path: string;
  bytes: number;
  sha256: string;
  replaced: boolean;
}

/** What `bundle.serve` finishes with once stopped (`job.cancel`); while it runs, a `serving` event gives the URL. */
export interface ServeSummary {
  url: string;
  repositories: string[];
  stopped: true;
}

/** What `bundle.import` with `toContainerd` loaded: each image as `ctr images ls` lists it. */
export interface ContainerdImport {
  address: string;
  namespace: string;
  images: { name: string; digest: string }[];
  bytes: number;
}

/** A chart (`chart` is `name-version`) or plain file (`name`) an import wrote into `chartsTo` / `filesTo`. */
export interface WrittenOutput {
  name: string;
  path: string;
  size: number;
  sha256: string;
}

/** What `bundle.import` finishes with: each source reference and where it went (registry), or the placed archive (toDir). */
export interface ImportSummary {
  /** Absent with `toDir`. */
  mirrorConfig?: MirrorConfigText;
  placed?: PlacedArchive;
  /** With `toContainerd`: the images containerd now lists. */
  containerd?: ContainerdImport;
  /** With `chartsTo`: the chart files written (`.tgz`, and `.prov` when carried). */
  chartFiles?: WrittenOutput[];
  /** With `filesTo`: the plain files written. */
  files?: WrittenOutput[];
  report?: {
    bundleId: string;
    target: string;
    dryRun: boolean;
    images: { source: string; target: string; digest: string; rule?: string }[];
    stats: { blobsUploaded: number; blobsMounted: number; blobsExisting: number; bytesUploaded: number; manifestsPushed: number; tagsPushed: number; tagsExisting?: number; seconds: number };
  };
  reportFile?: string;
  /** With `report` (not a dry run): the id `import.saveReport` saves it by (the host keeps the report itself). */
  reportId?: string;
  /** With `inventory`: the inventory written or updated after the import. */
  inventory?: SavedInventory;
}

/** What `bundle.repair` finishes with: the folder repaired, each bad part and whether it was rebuilt. */
export interface RepairSummary {
  /** The folder repaired (the one given, or `toDir`). */
  dir: string;
  /** Every data and parity part now matches bundle.json. */
  whole: boolean;
  parityParts: number;
  damaged: { name: string; rebuilt: boolean; problem: string; reason?: string }[];
  /** Why it is not whole, one sentence each. */
  problems: string[];
  /** With `toDir`: the files copied there from the volumes. */
  copied?: string[];
}

/** What `import.saveReport` answers: the file written and its size. */
export interface SavedReport {
  file: string;
  bytes: number;
}

/** A removable volume as `media.list` lists it. */
export type MediaVolume = Pick<Volume, 'mount' | 'label' | 'fsType' | 'capacity' | 'free' | 'device' | 'removable' | 'readOnly'>;

/** What `list.read` answers: the images of a list file (plain or YAML). */
export interface ListReadResult {
  path: string;
  images: string[];
  /** Images the YAML form gives their own platforms. */
  imagePlatforms: { image: string; platforms: string[] }[];
  /** Chart sources the list names, as `ferry bundle --chart` takes them. */
  charts: string[];
  /** File sources the list names (relative paths resolved against the list's folder) and URLs. */
  files: string[];
}

/** What `source.check` answers: the chart or file as it would be carried (a local file's size; a URL's is known at build). */
export interface SourceCheckResult {
  kind: 'chart' | 'file';
  source: string;
  /** The chart's name, or the file's name in the bundle (`files/<name>`). */
  name: string;
  /** A chart's version. */
  version?: string;
  /** A local file's size in bytes. */
  size?: number;
}

/** What `image.resolve` answers: one image as the registry publishes it. */
export interface ImageResolveResult {
  /** The reference in full (`docker.io/library/nginx:latest`). */
  reference: string;
  digest: string;
  mediaType: string;
  /** Every platform published (`linux/amd64`, `windows/amd64:10.0.20348.2340`). */
  platforms: string[];
  /** Bytes of its distinct configs and layers, foreign layers excluded. */
  compressedSize: number;
  /** Bytes of its Windows foreign layers. */
  foreignSize: number;
}

/** A bundle's volume plan as `media.plan` answers it (see the engine's planWrite). */
export interface MediaPlanResult {
  ok: boolean;
  bundleId: string;
  volumes: { index: number; path: string; parts: { name: string; size: number }[]; bytes: number; usable: number; fsType: string; existing: 'none' | 'same-bundle' | 'other-bundle' }[];
  unused: string[];
  totalBytes: number;
  summary: string;
  problems: { code: string; message: string; subject?: string }[];
  notes: string[];
}

/** What `media.write` finishes with. */
export interface MediaWriteSummary {
  ok: boolean;
  bundleId: string;
  volumes: { index: number; path: string; parts: string[]; ok: boolean; reused: string[]; readBack: { name: string; ok: boolean; direct: boolean; problem?: string }[] }[];
  readBackDirect: boolean;
  bytesWritten: number;
  seconds: number;
}

/** The answer a job call gives at once. */
export interface JobStarted {
  jobId: string;
}

/** What a job finishes with, per job call. */
export interface JobResults {
  'bundle.verify': VerifyReport;
  'bundle.create': CreateBundleSummary;
  'bundle.import': ImportSummary;
  'bundle.serve': ServeSummary;
  'media.write': MediaWriteSummary;
  'bundle.repair': RepairSummary;
}

/** The result of each call (a job call's immediate answer is its job id). */
export interface ApiResults {
  'app.info': AppInfo;
  'bundle.inspect': BundleInspectResult;
  'bundle.verify': JobStarted;
  'bundle.create': JobStarted;
  'bundle.approve': ApproveResult;
  'bundle.artifacts': BundleArtifactsResult;
  'bundle.diff': DiffReport;
  'bundle.planDelta': DeltaPlanResult;
  'bundle.report': ReportResult;
  'bundle.signatures': BundleSignaturesResult;
  'bundle.sign': SignResult;
  'bundle.copies': BundleCopiesResult;
  'settings.get': SettingsView;
  'settings.setRegistry': SettingsView;
  'settings.removeRegistry': SettingsView;
  'settings.setOptions': SettingsView;
  'cache.info': CacheInfo;
  'cache.clear': CacheInfo;
  'bundle.import': JobStarted;
  'bundle.serve': JobStarted;
  'media.list': MediaVolume[];
  'job.cancel': { cancelled: boolean };
  'list.read': ListReadResult;
  'source.check': SourceCheckResult;
  'image.resolve': ImageResolveResult;
  'image.cancelResolve': { cancelled: boolean };
  'platforms.check': { missing: string[][] };
  'media.plan': MediaPlanResult;
  'media.write': JobStarted;
  'bundle.repair': JobStarted;
  'import.saveReport': SavedReport;
  'dialog.openFolder': DialogResult;
  'dialog.openFile': DialogResult;
  'dialog.saveFile': DialogResult;
}

/** What a native dialog answers: the chosen path, or `null` when the user cancelled. */
export interface DialogResult {
  path: string | null;
}

/** The calls only the Electron shell answers (native dialogs). */
export const DIALOG_CHANNELS = ['dialog.openFolder', 'dialog.openFile', 'dialog.saveFile'] as const;

/** The result type of a call. */
export type ApiResult<C extends ApiChannel> = ApiResults[C];

/** A message about a running job, pushed to every subscriber: progress, then one final result or error. */
export type JobMessage =
  | { jobId: string; event: ProgressEvent }
  | { jobId: string; result: unknown }
  | { jobId: string; error: SerializedError };

/** A request from the host to the app window: open this bundle in the Review wizard (the desktop menu's File → Open bundle…, a folder given on the command line, `ferry ui DIR`). */
export interface HostCommand {
  command: 'open-bundle';
  /** The bundle folder (or its `bundle.json`). */
  dir: string;
}

/** Everything the host pushes to the window: job messages and host commands. */
export type HostMessage = JobMessage | HostCommand;

/** True for a host command (not a job message). */
export function isHostCommand(message: HostMessage): message is HostCommand {
  return 'command' in message;
}

/** How a call's answer travels: the result, or a serialized error. */
export type ApiResponse<T = unknown> = { result: T } | { error: SerializedError };
