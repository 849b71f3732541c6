import type { Volume } from './media-volume.js';
import { z } from 'zod';
import type { BundleManifest } from './bundle-manifest.js';
import type { SerializedError } from './errors.js';
import type { ProgressEvent } from './progress.js';
import type { SignatureCheck, VerifyReport } from './verify-report.js';

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

/** Input schemas, one per call. */
export const API_INPUTS = {
  'app.info': z.strictObject({}),
  'bundle.inspect': z.strictObject({ dir: UserPathSchema }),
  'bundle.verify': z.strictObject({
    dirs: z.array(UserPathSchema).min(1, 'at least one bundle folder'),
    trustedKeys: z.array(UserPathSchema).optional(),
    requireApproval: z.boolean().optional(),
    policy: UserPathSchema.optional(),
  }),
  'bundle.create': z.strictObject({
    images: z.array(TextSchema).min(1, 'at least one image'),
    outputDir: UserPathSchema,
    platforms: z.array(TextSchema).optional(),
    split: z.union([TextSchema, z.number().int().positive()]).optional(),
    force: z.boolean().optional(),
  }),
  'bundle.approve': z.strictObject({ dir: UserPathSchema, keyFile: UserPathSchema }),
  'bundle.import': z.strictObject({
    dirs: z.array(UserPathSchema).min(1, 'at least one bundle folder'),
    to: TextSchema,
    map: z.array(TextSchema).optional(),
    insecureRegistries: z.array(TextSchema).optional(),
  }),
  'media.list': z.strictObject({ all: z.boolean().optional() }),
  'job.cancel': z.strictObject({ jobId: z.string().min(1).max(100) }),
} as const;

/** Every call's name. */
export type ApiChannel = keyof typeof API_INPUTS;

/** The input of a call, as the renderer sends it. */
export type ApiInput<C extends ApiChannel> = z.input<(typeof API_INPUTS)[C]>;

/** The calls that start a long job: they answer `{ jobId }` at once. */
export const JOB_CHANNELS = ['bundle.verify', 'bundle.create', 'bundle.import'] as const;

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
}

/** What `bundle.create` finishes with. */
export interface CreateBundleSummary {
  dir: string;
  manifest: BundleManifest;
  stats: { blobs: number; bytes: number; bytesFromCache: number; bytesFetched: number; seconds: number };
}

/** What `bundle.approve` answers. */
export interface ApproveResult {
  file: string;
  keyId: string;
  bundleId: string;
  /** Key ids of the preparer signatures the approval countersigns. */
  preparers: string[];
  signatures: SignatureCheck[];
}

/** What `bundle.import` finishes with: each source reference and where it went. */
export interface ImportSummary {
  report: {
    bundleId: string;
    target: string;
    dryRun: boolean;
    images: { source: string; target: string; digest: string }[];
    stats: { blobsUploaded: number; blobsMounted: number; blobsExisting: number; bytesUploaded: number; manifestsPushed: number; tagsPushed: number; seconds: number };
  };
  reportFile?: string;
}

/** A removable volume as `media.list` lists it. */
export type MediaVolume = Pick<Volume, 'mount' | 'label' | 'fsType' | 'capacity' | 'free' | 'device' | 'removable' | 'readOnly'>;

/** The answer a job call gives at once. */
export interface JobStarted {
  jobId: string;
}

/** What a job finishes with, per job call. */
export interface JobResults {
  'bundle.verify': VerifyReport;
  'bundle.create': CreateBundleSummary;
  'bundle.import': ImportSummary;
}

/** The result of each call (a job call's immediate answer is its job id). */
export interface ApiResults {
  'app.info': AppInfo;
  'bundle.inspect': BundleInspectResult;
  'bundle.verify': JobStarted;
  'bundle.create': JobStarted;
  'bundle.approve': ApproveResult;
  'bundle.import': JobStarted;
  'media.list': MediaVolume[];
  'job.cancel': { cancelled: boolean };
}

/** The result type of a call. */
export type ApiResult<C extends ApiChannel> = ApiResults[C];

/** A message about a running job, pushed to every subscriber: progress, then one final result or error. */
export type JobMessage =
  | { jobId: string; event: ProgressEvent }
  | { jobId: string; result: unknown }
  | { jobId: string; error: SerializedError };

/** How a call's answer travels: the result, or a serialized error. */
export type ApiResponse<T = unknown> = { result: T } | { error: SerializedError };
