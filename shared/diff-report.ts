/**
 * What `ferry diff OLD NEW` finds: the images and blobs a transfer (NEW) brings compared with what the offline side
 * holds or was given before (OLD). Each side is a bundle or an inventory. Plain JSON (no Map, no undefined where a
 * value is unknown: `null` says "not known from this side"), so the CLI prints it with `--json`, the HTML report
 * renders it and the app's Review shows it through `bundle.diff`.
 */

/** The version of this report's shape; bumped only for changes a reader cannot ignore. */
export const DIFF_REPORT_VERSION = 1;

/** How an image differs between OLD and NEW. */
export type DiffChange = 'added' | 'changed' | 'removed' | 'unchanged';

/** The order images are listed in: by change, then by name. */
export const DIFF_CHANGE_ORDER: readonly DiffChange[] = ['added', 'changed', 'removed', 'unchanged'];

/** One side of a diff as read. */
export interface DiffSide {
  /** The path given (a bundle folder, its `bundle.json`, or an inventory file). */
  path: string;
  kind: 'bundle' | 'inventory';
  /** sha256 (hex) of the exact bytes of `bundle.json` or of the inventory. */
  sha256: string;
  /** The bundle's id (kind `bundle`). */
  bundleId?: string;
  /** When the bundle or inventory was made, as it says. */
  created: string;
  /** Images listed (an inventory: its tags, signature and attestation tags aside). */
  images: number;
  /** Distinct blobs it carries (a bundle: manifests included; an inventory: configs and layers). */
  blobs: number;
  /** Their sizes added up. */
  bytes: number;
  /** Whether it records each image's platforms (an inventory does not). */
  platformsKnown: boolean;
  /** A delta bundle: the blobs it relies on (held offline, not carried). */
  delta?: { blobsReliedOn: number; bytesReliedOn: number };
}

/** An image as one side has it. */
export interface DiffImageSide {
  /** `registry/repository:tag` (or `registry/repository@digest` for an image pinned by digest only). */
  name: string;
  /** The manifest digest the tag points at (a bundle: the carried digest). */
  digest: string;
  /** The platforms carried (`linux/amd64`); null when this side does not record them (an inventory). */
  platforms: string[] | null;
}

/** One image of the diff. */
export interface DiffImage {
  change: DiffChange;
  /** NEW's name for it (OLD's for a removed image). */
  name: string;
  /** As OLD has it (absent for an added image). */
  old?: DiffImageSide;
  /** As NEW has it (absent for a removed image). */
  new?: DiffImageSide;
  /**
   * OLD names it differently: an inventory of a registry names repositories as the import put them
   * (`registry.local:5000/mirror/team/app`), a bundle as their source (`registry.example/team/app`); they were matched
   * by repository path because exactly one repository on each side fits.
   */
  matchedByPath?: boolean;
  /** NEW images: the bytes of its blobs that NEW carries and OLD does not hold; null when NEW does not say which blobs the image uses. */
  newBytes?: number | null;
  /** NEW images: how many blobs those are; null when unknown. */
  newBlobs?: number | null;
  /** NEW images: the sizes of every blob it needs (manifests included, whether carried or held offline); null when unknown. */
  totalBytes?: number | null;
  /** An added image: the tags of the same repository that OLD holds and NEW does not (what it probably replaces). */
  otherTagsInOld?: string[];
}

/** The whole diff. */
export interface DiffReport {
  version: typeof DIFF_REPORT_VERSION;
  old: DiffSide;
  new: DiffSide;
  counts: Record<DiffChange, number>;
  /** Every image of either side: added, changed, removed, unchanged, each group by name. */
  images: DiffImage[];
  /** Blobs NEW carries that OLD does not hold: what is really new in this transfer. */
  blobsAdded: { count: number; bytes: number };
  /** What this diff cannot know and why (an inventory's missing platforms, a delta's blobs relied on), in sentences. */
  notes: string[];
  /** What went wrong while reading without making the diff wrong (an archive that could not be read), in sentences. */
  warnings: string[];
}
