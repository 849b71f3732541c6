// zod/mini, not zod classic: the same validation engine and issues, without classic's start-up cost (all of zod
// compiled and every schema given its methods) in each command that reads a bundle.json, verify and inspect first.
import * as z from 'zod/mini';
import './zod-english.js';

/**
 * The schema of `bundle.json`, the manifest a security officer reads before a bundle crosses.
 *
 * Versioning: `schemaVersion` is an integer bumped only for changes old readers cannot ignore.
 * Readers accept unknown fields (later versions add charts, files and referrers as new optional
 * members), so bundles made today keep reading tomorrow.
 */
export const BUNDLE_SCHEMA_VERSION = 1;

/** The media type recorded in every `bundle.json`. */
export const BUNDLE_MEDIA_TYPE = 'application/vnd.ferry.bundle.v1+json';

const digest = z.string().check(z.regex(/^sha256:[a-f0-9]{64}$/, 'a sha256 digest'));
const hex64 = z.string().check(z.regex(/^[a-f0-9]{64}$/, 'a sha256 hex string'));
const size = z.number().check(z.int(), z.nonnegative());

/** A platform as recorded in the bundle (OCI field names, osVersion for Windows). */
export const PlatformRecordSchema = z.looseObject({
  os: z.string(),
  architecture: z.string(),
  variant: z.optional(z.string()),
  osVersion: z.optional(z.string()),
});

/** One platform manifest carried for an image. */
export const CarriedManifestSchema = z.looseObject({
  digest,
  size,
  mediaType: z.string(),
  platform: z.optional(PlatformRecordSchema),
});

/** A non-distributable ("foreign") layer: listed always, carried only on request. */
export const ForeignLayerSchema = z.looseObject({
  digest,
  size,
  mediaType: z.string(),
  urls: z.array(z.string()),
  carried: z.boolean(),
});

/** What a carried referrer is: a cosign signature, an attestation, an SBOM or another artifact. */
export const REFERRER_KINDS = ['signature', 'attestation', 'sbom', 'other'] as const;

/**
 * An artifact carried with an image (`ferry bundle --referrers`): a cosign-style tag
 * (`sha256-<hex>.sig`/`.att`/`.sbom`) or an OCI 1.1 referrer (a manifest whose `subject` is the
 * image or one of its platform manifests). Its manifest and blobs are in the archive like any blob.
 */
export const ReferrerRecordSchema = z.looseObject({
  kind: z.enum(REFERRER_KINDS),
  /** The digest it refers to (the image's top digest or one of its platform manifests). */
  subject: digest,
  /** The referrer manifest's digest. */
  digest,
  mediaType: z.string(),
  artifactType: z.optional(z.string()),
  size,
  /** The cosign tag it was found under (source `tag`). */
  tag: z.optional(z.string()),
  /** How it was found: a cosign tag, or the OCI referrers API (or its tag-schema fallback). */
  source: z.enum(['tag', 'referrers-api']),
});

/** One image as the user asked for it and as it is carried. */
export const ImageRecordSchema = z.looseObject({
  /** The reference as the user wrote it. */
  source: z.string(),
  /** The normalized full reference (`docker.io/library/nginx:1.27`). */
  reference: z.string(),
  registry: z.string(),
  repository: z.string(),
  tag: z.optional(z.string()),
  /** The digest the source registry served for the reference. */
  originalDigest: digest,
  /** The digest carried (differs from originalDigest only when platforms were filtered). */
  digest,
  mediaType: z.string(),
  /** The manifest is exactly as published (no platform filter applied). */
  asPublished: z.boolean(),
  manifests: z.array(CarriedManifestSchema),
  /** Sum of the distinct blobs this image needs, manifests included. */
  size,
  foreignLayers: z.array(ForeignLayerSchema),
  /** Whether the docker-save `manifest.json` lists it (false when a layer is not carried). */
  dockerLoadable: z.boolean(),
  /** Signatures, attestations and SBOMs carried with it (`--referrers`; absent in bundles made without). */
  referrers: z.optional(z.array(ReferrerRecordSchema)),
  /**
   * The published index (at `originalDigest`) carried as one more blob when platforms were filtered: evidence that
   * the carried platform manifests are the publisher's, for signatures over the published index. Not walked: the
   * platforms filtered out are not in the archive. Absent in older bundles and when the image is as published.
   */
  originalManifest: z.optional(z.looseObject({ digest, size, mediaType: z.string() })),
  /**
   * The platforms asked for (the bundle's `platforms`, or this image's own) that the image does not publish, as they
   * were asked (`linux/arm64`): carried without them, so nodes of those platforms cannot run it. Absent when it has
   * every one asked for, when every platform was kept, and in older bundles.
   */
  missingPlatforms: z.optional(z.array(z.string())),
  /**
   * The platforms this image was asked for on its own (a list file's per-image `platforms`), in place of the bundle's
   * `platforms`, formatted as those are. Absent when it follows the bundle's `platforms`, and in older bundles.
   */
  requestedPlatforms: z.optional(z.array(z.string())),
  /**
   * Ferry built this image's manifest: its source (a legacy `docker save` archive, or a Docker Engine that sends one)
   * holds none, so `digest` is Ferry's and not a registry's. `configDigest` (the image ID Docker shows) is the stable
   * identity: the same image gives the same config digest wherever it is read. Absent for images carried as published.
   */
  builtManifest: z.optional(z.looseObject({ configDigest: digest })),
});

/** One blob in the archive, stored at `blobs/sha256/<hex>`. */
export const BlobRecordSchema = z.looseObject({
  digest,
  size,
  mediaType: z.string(),
});

/** A plain file's name in the bundle (`files/<name>` in the archive): one safe path segment, never `.` or `..`. */
export const FILE_NAME_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9._+@=,-]{1,90}$/;

/** A plain file carried beside the images (`ferry bundle --file`), stored at `files/<name>`. */
export const FileRecordSchema = z.looseObject({
  name: z.string().check(z.regex(FILE_NAME_PATTERN, 'a plain file name')),
  /** The path or URL as the user gave it. */
  source: z.string(),
  size,
  sha256: hex64,
});

/** A Helm chart carried as an OCI artifact (Helm's media types); its blobs are in `blobs`, it is not listed in index.json. */
export const ChartRecordSchema = z.looseObject({
  name: z.string().check(z.regex(FILE_NAME_PATTERN, 'a chart name')),
  version: z.string().check(z.regex(/^[A-Za-z0-9._+-]{1,80}$/, 'a chart version')),
  /** The chart as the user named it (`https://charts.example/repo/NAME@VERSION` or `oci://…`). */
  source: z.string(),
  /** The artifact manifest's digest (as published for OCI charts). */
  digest,
  /** sha256 of the chart `.tgz`. */
  chartDigest: digest,
  /** Manifest, config, chart and provenance bytes. */
  size,
  /** A `.prov` provenance file is carried. */
  provenance: z.boolean(),
  /** Images the chart may need (values.yaml, literal template `image:` fields): listed, not added. */
  images: z._default(z.array(z.string()), []),
});

/** One file of the archive as written (the whole archive, or a part of a split). */
export const ArchivePartSchema = z.looseObject({
  name: z.string().check(z.regex(/^[A-Za-z0-9._-]+$/)),
  size,
  sha256: hex64,
});

/** The Reed–Solomon scheme of parity parts (GF(2^8), systematic, Cauchy matrix). */
export const PARITY_SCHEME = 'reed-solomon-gf256-cauchy-v1';

/**
 * Parity parts (`bundle.tar.p01`, …): erasure coding over the data parts, so that any
 * `parts.length` lost or damaged parts can be rebuilt. Every data part counts as `shardSize`
 * bytes, zero-padded; every parity part is `shardSize` bytes.
 */
export const ParityRecordSchema = z.looseObject({
  scheme: z.literal(PARITY_SCHEME),
  /** How many data parts the parity covers: every part of `archive.parts`, in order. */
  dataParts: z.number().check(z.int(), z.positive()),
  shardSize: size,
  parts: z.array(ArchivePartSchema).check(z.minLength(1)),
});

/** The archive and its parts. */
export const ArchiveRecordSchema = z.looseObject({
  name: z.string().check(z.regex(/^[A-Za-z0-9._-]+$/)),
  format: z.literal('oci-layout+docker-archive'),
  size,
  sha256: hex64,
  parts: z.array(ArchivePartSchema).check(z.minLength(1)),
  /** Parity parts, when the bundle was made with `--parity N` (absent otherwise). */
  parity: z.optional(ParityRecordSchema),
});

/** What a delta bundle was made against: an inventory of the offline side, or a bundle already carried there. */
export const DeltaBaseSchema = z.looseObject({
  kind: z.enum(['inventory', 'bundle']),
  /** sha256 (hex) of the inventory's bytes, or of the old bundle's `bundle.json`. */
  sha256: hex64,
  /** The old bundle's id (kind `bundle`). */
  bundleId: z.optional(z.string().check(z.uuid())),
  /** The key id (hex) of the Ferry key that signed the inventory, when it was signed and checked. */
  signer: z.optional(hex64),
  /** When the inventory or the old bundle was made. */
  created: z.optional(z.string()),
});

/** A blob a delta does not carry because the offline side holds it already. */
export const OmittedBlobSchema = z.looseObject({
  digest,
  size,
  mediaType: z.string(),
  /** A repository offline that holds it, as the inventory names it (for a cross-repository mount). */
  repository: z.optional(z.string()),
});

/**
 * A delta bundle (`ferry bundle --have`): it carries every manifest but only the blobs the offline side lacks.
 * Its archive alone is not loadable by `docker load` or `ctr import`; import it on top of what it relies on.
 */
export const DeltaRecordSchema = z.looseObject({
  against: z.array(DeltaBaseSchema).check(z.minLength(1)),
  /** Every blob the images need that is not carried, with where offline holds it. */
  omitted: z.array(OmittedBlobSchema),
});

/** The whole `bundle.json`. */
export const BundleManifestSchema = z.looseObject({
  schemaVersion: z.literal(BUNDLE_SCHEMA_VERSION),
  mediaType: z.literal(BUNDLE_MEDIA_TYPE),
  id: z.string().check(z.uuid()),
  created: z.string(),
  tool: z.looseObject({ name: z.string(), version: z.string() }),
  /** The platform filter the bundle was made with; absent when every platform was kept. */
  platforms: z.optional(z.array(z.string())),
  images: z.array(ImageRecordSchema),
  /** Helm charts carried as OCI artifacts (absent or empty in older bundles). */
  charts: z._default(z.array(ChartRecordSchema), []),
  /** Plain files carried beside the images, stored at `files/<name>` (absent or empty in older bundles). */
  files: z._default(z.array(FileRecordSchema), []),
  blobs: z.array(BlobRecordSchema),
  archive: ArchiveRecordSchema,
  /** Present when the bundle is a delta (made with `--have`): what it relies on offline. */
  delta: z.optional(DeltaRecordSchema),
});

/** A parsed `bundle.json`. */
export type BundleManifest = z.infer<typeof BundleManifestSchema>;
/** One image entry of `bundle.json`. */
export type ImageRecord = z.infer<typeof ImageRecordSchema>;
/** One blob entry of `bundle.json`. */
export type BlobRecord = z.infer<typeof BlobRecordSchema>;
/** One archive part entry of `bundle.json`. */
export type ArchivePart = z.infer<typeof ArchivePartSchema>;
/** The parity entry of `bundle.json`. */
export type ParityRecord = z.infer<typeof ParityRecordSchema>;
/** A referrer entry of an image in `bundle.json`. */
export type ReferrerRecord = z.infer<typeof ReferrerRecordSchema>;
/** A chart entry of `bundle.json`. */
export type ChartRecord = z.infer<typeof ChartRecordSchema>;
/** A plain-file entry of `bundle.json`. */
export type FileRecord = z.infer<typeof FileRecordSchema>;
/** A platform entry of `bundle.json`. */
export type PlatformRecord = z.infer<typeof PlatformRecordSchema>;
/** The delta entry of `bundle.json`. */
export type DeltaRecord = z.infer<typeof DeltaRecordSchema>;
/** A blob a delta omits. */
export type OmittedBlob = z.infer<typeof OmittedBlobSchema>;
/** What a delta was made against. */
export type DeltaBase = z.infer<typeof DeltaBaseSchema>;
/** A foreign-layer entry of `bundle.json`. */
export type ForeignLayerRecord = z.infer<typeof ForeignLayerSchema>;
