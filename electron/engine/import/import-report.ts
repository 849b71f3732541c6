/** What `ferry import` did, image by image: written as JSON (`import-report.json`) and returned by importBundle. */
export interface ImportReport {
  tool: { name: string; version: string };
  /** When the import finished (ISO 8601). */
  created: string;
  bundleId: string;
  /** The target as given to `--to`, normalized: `host[:port][/prefix]`. */
  target: string;
  dryRun: boolean;
  images: ImportedImage[];
  /** Helm charts pushed (or, in a dry run, where they would go): `HOST/PREFIX/charts/NAME:VERSION` or where a `--map` rule put them, and the artifact digest. */
  charts?: { name: string; version: string; target: string; digest: string; rule?: string }[];
  stats: ImportStats;
}

/** One image: its source reference and the target reference it was pushed to. */
export interface ImportedImage {
  /** The normalized source reference (`docker.io/library/nginx:1.27`). */
  source: string;
  /** `HOST/PATH:TAG@DIGEST` (the digest is the bundle's, unchanged). */
  target: string;
  repository: string;
  tag?: string;
  digest: string;
  /** The `--map` rule that chose the repository, as written. */
  rule?: string;
  /** Blob outcomes in this image's repository (a blob shared by images of one repository counts for the first). */
  blobs: { uploaded: number; mounted: number; existing: number };
  manifests: { pushed: number; existing: number };
  /** Foreign layers not carried by the bundle (nodes fetch them from their URLs). */
  foreignLayers?: string[];
}

/** Totals of an import. */
export interface ImportStats {
  blobsUploaded: number;
  blobsMounted: number;
  /** Blobs the target already held (skipped after HEAD): a rerun of a finished import skips them all. */
  blobsExisting: number;
  bytesUploaded: number;
  /** PATCH chunks sent (blobs larger than the chunk size go up in chunks). */
  chunksUploaded: number;
  manifestsPushed: number;
  manifestsExisting: number;
  tagsPushed: number;
  /** Tags the target already pointed at the right digest (HEAD by tag): not put again. Absent in reports of older versions. */
  tagsExisting?: number;
  /** Chunked uploads resumed from the offset the registry held after a broken PATCH (instead of restarting the blob). */
  uploadsResumed?: number;
  seconds: number;
}
