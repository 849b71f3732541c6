import { DIFF_CHANGE_ORDER, DIFF_REPORT_VERSION, type DiffChange, type DiffImage, type DiffImageSide, type DiffReport } from '../../../shared/diff-report.js';
import { formatBytes } from '../../../shared/format.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { readDiffSide, type DiffSideData, type SideImage } from './read-diff-side.js';

/**
 * Compares two sides — each a bundle folder (or its `bundle.json`) or an inventory file — and says what NEW brings
 * that OLD lacks: images added, changed (same repository and tag, another digest), removed and unchanged, each changed
 * or added image's new bytes against its total, and the blobs added. Reads both sides through the checked readers;
 * NEW's archive (when it is a bundle) is read for its manifests only, to learn which blobs each image uses.
 */
export async function diffHoldings(oldPath: string, newPath: string, controls: Pick<JobControls, 'signal'> = {}): Promise<DiffReport> {
  const signal = controls.signal;
  const old = await readDiffSide(oldPath, { role: 'OLD', imageBlobs: false, ...(signal ? { signal } : {}) });
  const next = await readDiffSide(newPath, { role: 'NEW', imageBlobs: true, ...(signal ? { signal } : {}) });
  return compareSides(old, next);
}

/** The comparison itself, on two sides already read (pure: the same sides give the same report). */
export function compareSides(old: DiffSideData, next: DiffSideData): DiffReport {
  const notes: string[] = [];
  const warnings = [...old.warnings, ...next.warnings];
  const repositoryOf = matchRepositories(old, next);
  const oldByName = new Map<string, SideImage>();
  for (const image of old.images) if (!oldByName.has(nameOf(image))) oldByName.set(nameOf(image), image);
  const matched = new Set<string>();
  const images: DiffImage[] = [];
  const seenNew = new Set<string>();
  let byPath = 0;

  for (const image of next.images) {
    const name = nameOf(image);
    if (seenNew.has(name)) continue;
    seenNew.add(name);
    const oldRepository = repositoryOf.get(image.repository) ?? image.repository;
    const before = oldByName.get(`${oldRepository}${image.suffix}`);
    const bytes = newBytesOf(image, old, next);
    if (!before) {
      images.push({ change: 'added', name, new: sideOf(image), ...bytes });
      continue;
    }
    matched.add(nameOf(before));
    const pathMatch = oldRepository !== image.repository;
    if (pathMatch) byPath++;
    images.push({
      change: before.digest === image.digest ? 'unchanged' : 'changed',
      name,
      old: sideOf(before),
      new: sideOf(image),
      ...(pathMatch ? { matchedByPath: true } : {}),
      ...bytes,
    });
  }
  for (const [name, image] of oldByName) if (!matched.has(name)) images.push({ change: 'removed', name, old: sideOf(image) });

  // an added image's repository in OLD: the tags it probably replaces
  const removedByRepository = new Map<string, string[]>();
  for (const image of old.images) if (!matched.has(nameOf(image))) removedByRepository.set(image.repository, [...(removedByRepository.get(image.repository) ?? []), nameOf(image)]);
  const newImages = new Map(next.images.map((i) => [nameOf(i), i]));
  for (const entry of images) {
    if (entry.change !== 'added') continue;
    const image = newImages.get(entry.name)!;
    const others = removedByRepository.get(repositoryOf.get(image.repository) ?? image.repository);
    if (others?.length) entry.otherTagsInOld = [...others].sort(compareText);
  }

  const rank = (c: DiffChange): number => DIFF_CHANGE_ORDER.indexOf(c);
  images.sort((a, b) => rank(a.change) - rank(b.change) || compareText(a.name, b.name));
  const counts: Record<DiffChange, number> = { added: 0, changed: 0, removed: 0, unchanged: 0 };
  for (const entry of images) counts[entry.change]++;

  let count = 0;
  let bytes = 0;
  for (const [digest, size] of next.carried) {
    if (isHeld(old, digest, size)) continue;
    const oldSize = old.held.get(digest);
    if (oldSize !== undefined) warnings.push(`OLD records blob ${digest} as ${oldSize} bytes, NEW as ${size}: it counts as new.`);
    count++;
    bytes += size;
  }

  if (byPath > 0) {
    notes.push(
      `${byPath} image(s) were matched by repository path: ${old.summary.kind === 'inventory' ? 'OLD' : 'NEW'} is an inventory naming repositories as the offline registry does (under an import prefix), the other side as their source.`,
    );
  }
  for (const [role, side] of [['OLD', old], ['NEW', next]] as const) {
    if (side.summary.kind === 'inventory') {
      notes.push(`${role} is an inventory: it does not record platforms, so the platforms of its images are unknown.`);
      if (side.referrerTags > 0) notes.push(`${role} lists ${side.referrerTags} signature or attestation tag(s) (sha256-….sig/.att/.sbom); they are not listed as images.`);
    }
  }
  if (next.summary.kind === 'inventory') {
    notes.push('NEW is an inventory: it does not record which blobs each tag uses, so per-image new bytes are unknown; the blobs added are its configs and layers (an inventory records no manifest sizes).');
  }
  if (next.summary.delta) {
    const { blobsReliedOn, bytesReliedOn } = next.summary.delta;
    notes.push(`NEW is a delta: the ${blobsReliedOn} blob(s) (${formatBytes(bytesReliedOn)}) it relies on are held offline, not carried, so they are not new in this transfer.`);
  }
  return { version: DIFF_REPORT_VERSION, old: old.summary, new: next.summary, counts, images, blobsAdded: { count, bytes }, notes, warnings };
}

function nameOf(image: SideImage): string {
  return `${image.repository}${image.suffix}`;
}

function sideOf(image: SideImage): DiffImageSide {
  return { name: nameOf(image), digest: image.digest, platforms: image.platforms ? [...image.platforms] : null };
}

/** Whether OLD holds the blob (with the same size, when it records one). */
function isHeld(old: DiffSideData, digest: string, size: number): boolean {
  if (!old.held.has(digest)) return false;
  const held = old.held.get(digest);
  return held === undefined || held === size;
}

/** A NEW image's bytes that NEW carries and OLD lacks, against its total. */
function newBytesOf(image: SideImage, old: DiffSideData, next: DiffSideData): Pick<DiffImage, 'newBytes' | 'newBlobs' | 'totalBytes'> {
  if (!image.blobs) return { newBytes: null, newBlobs: null, totalBytes: null };
  let newBytes = 0;
  let newBlobs = 0;
  let totalBytes = 0;
  for (const [digest, size] of image.blobs) {
    totalBytes += size;
    if (next.carried.has(digest) && !isHeld(old, digest, size)) {
      newBytes += size;
      newBlobs++;
    }
  }
  return { newBytes, newBlobs, totalBytes };
}

/**
 * NEW repository → OLD repository where they are named differently: only between an inventory and a bundle (an
 * inventory of a registry names repositories under the import's prefix, `host:5000/mirror/team/app`; a bundle by
 * source, `registry.example/team/app`), only for repositories without an exact match, and only when exactly one
 * repository on each side fits (the inventory's path is the bundle's or ends with `/` and it).
 */
function matchRepositories(old: DiffSideData, next: DiffSideData): Map<string, string> {
  const pairs = new Map<string, string>();
  if ((old.summary.kind === 'inventory') === (next.summary.kind === 'inventory')) return pairs;
  const paths = (side: DiffSideData): Map<string, string> => new Map(side.images.map((i) => [i.repository, i.path]));
  const oldRepos = paths(old);
  const newRepos = paths(next);
  const oldLeft = [...oldRepos].filter(([r]) => !newRepos.has(r));
  const newLeft = [...newRepos].filter(([r]) => !oldRepos.has(r));
  const inventoryIsOld = old.summary.kind === 'inventory';
  const fits = (oldPath: string, newPath: string): boolean => {
    const [inventoryPath, bundlePath] = inventoryIsOld ? [oldPath, newPath] : [newPath, oldPath];
    return inventoryPath === bundlePath || inventoryPath.endsWith(`/${bundlePath}`);
  };
  for (const [newRepo, newPath] of newLeft) {
    const candidates = oldLeft.filter(([, oldPath]) => fits(oldPath, newPath));
    if (candidates.length !== 1) continue;
    const [oldRepo, oldPath] = candidates[0]!;
    if (newLeft.filter(([, p]) => fits(oldPath, p)).length !== 1) continue;
    pairs.set(newRepo, oldRepo);
  }
  return pairs;
}

/** Code-point order: the same on every machine and locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
