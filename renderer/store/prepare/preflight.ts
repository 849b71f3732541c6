import type { ApiInput } from '../../../shared/api-contract.js';
import { checkPartSize, MIN_PART_SIZE, parseByteCount } from '../../../shared/size.js';
import { formatBytes } from '../../../shared/format.js';
import { platformIssue, platformsFor } from './platforms-slice.js';
import type { PrepareProblem, PrepareState } from './prepare-state.js';
import { wordsOf } from './words.js';

/** The largest part "fit the chosen media" picks (bigger volumes still get parts this size). */
export const FIT_MAX_PART = 64 * 1024 ** 3;

/** File systems of the FAT family, whose files stop under 4 GiB. */
const FAT_FAMILY = /^(v?fat(12|16|32)?|msdos|umsdos)$/i;

/** The part size that fits the chosen media: `fat32` on FAT-family volumes, else the smallest free space less room for bundle.json and the other small files (capped at {@link FIT_MAX_PART}). */
export function fitSplit(sizes: { free: number; fsType?: string }[]): 'fat32' | number | undefined {
  if (sizes.length === 0) return undefined;
  if (sizes.some((v) => v.fsType !== undefined && FAT_FAMILY.test(v.fsType))) return 'fat32';
  const smallest = Math.min(...sizes.map((v) => v.free));
  const part = Math.floor(smallest * 0.99) - 256 * 1024;
  return part > 0 ? Math.min(part, FIT_MAX_PART) : undefined;
}

/** The image rows the build will carry: resolved, with at least one of their chosen platforms (or none chosen). */
export function carriedReferences(state: PrepareState): string[] {
  return state.references.filter((r) => state.resolutions[r]?.status === 'ok' && platformIssue(state, r)?.kind !== 'none' && !(state.allPlatformsRequired && platformIssue(state, r)));
}

/** How a size is typed, for the messages. */
const SIZE_EXAMPLES = 'like 700MB, 4GiB or 1048576 (units B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)';

/**
 * Checks everything a build needs before anything is sent: every problem, each attached to its row or field (an empty
 * list and the build's input when there is none).
 */
export function preflight(s: PrepareState): { problems: PrepareProblem[]; input?: ApiInput<'bundle.create'> } {
  const problems: PrepareProblem[] = [];
  const row = (reference: string, message: string): void => void problems.push({ field: 'row', reference, message });
  if (s.references.length === 0 && s.charts.length === 0 && s.files.length === 0) {
    problems.push({ field: 'images', message: 'Add at least one image, chart or file: paste references in step 1, add a chart or file under them, or load a list file.' });
  }
  for (const reference of s.references) {
    const r = s.resolutions[reference];
    if (!r || r.status === 'pending' || r.status === 'resolving') row(reference, `${reference} is still being looked up: wait for it, or remove it.`);
    else if (r.status === 'error') row(reference, `${reference} cannot be carried (${r.error.message}) Fix or remove it.`);
    else {
      const issue = platformIssue(s, reference);
      if (issue?.kind === 'none') row(reference, `${reference} has none of the chosen platforms (it publishes ${r.result.platforms.join(', ') || 'no platform information'}): give it its own platforms, tick one it has, or remove it.`);
      else if (issue && s.allPlatformsRequired) row(reference, `${reference} lacks ${issue.missing.join(', ')}, and every image must have every chosen platform: give it its own platforms, or untick that box.`);
    }
  }
  for (const c of [...s.charts, ...s.files]) {
    if (c.error) problems.push({ field: 'sources', message: `${c.source} cannot be carried (${c.error.message}) Remove it in step 1, or fix it and add it again.` });
  }
  const outputDir = s.outputDir.trim();
  if (outputDir === '') problems.push({ field: 'outputDir', message: 'Type the output folder the bundle goes into (step 3).' });
  let split: string | number | undefined;
  if (s.splitMode === 'fat32') split = 'fat32';
  if (s.splitMode === 'custom') {
    const part = checkPartSize(s.customSize);
    if ('bytes' in part) split = part.bytes;
    else problems.push({ field: 'split', message: part.problem === 'too-small' ? `Parts must be at least ${formatBytes(MIN_PART_SIZE)} (1 MiB): type a larger part size.` : `Type a part size ${SIZE_EXAMPLES}, or choose no split.` });
  }
  if (s.splitMode === 'fit') {
    const typed = s.fitSize.trim();
    let sizes: { free: number; fsType?: string }[] | undefined;
    if (typed !== '') {
      const bytes = parseByteCount(typed);
      if (bytes === undefined || bytes <= 0) problems.push({ field: 'split', message: `Type the media size ${SIZE_EXAMPLES}, or leave it empty to use the drives picked in Write to media.` });
      else sizes = [{ free: bytes }];
    } else {
      sizes = (s.volumes ?? []).filter((v) => v.mount !== null && s.targets.includes(v.mount)).map((v) => ({ free: v.free ?? v.capacity, ...(v.fsType ? { fsType: v.fsType } : {}) }));
    }
    if (sizes) {
      const fit = fitSplit(sizes);
      if (fit === undefined) problems.push({ field: 'split', message: sizes.length === 0 ? 'Type the media size, or pick drives in Write to media, so the part size can fit them.' : 'The chosen media has too little free space for any part.' });
      else if (typeof fit === 'number' && fit < MIN_PART_SIZE) problems.push({ field: 'split', message: `The chosen media leaves room for parts under 1 MiB, the smallest part: choose larger media.` });
      else split = fit;
    }
  }
  let parity: number | undefined;
  if (s.parity.trim() !== '') {
    parity = Number(s.parity);
    if (!Number.isInteger(parity) || parity < 1 || parity > 32) problems.push({ field: 'parity', message: 'Parity is a whole number of parts from 1 to 32, or empty for none.' });
    else if (s.splitMode === 'none') problems.push({ field: 'parity', message: 'Parity parts protect split parts: choose a split size too.' });
  }
  if (problems.length > 0) return { problems };
  const imagePlatforms = s.references.filter((r) => s.overrides[r]).map((image) => ({ image, platforms: platformsFor(s, image) }));
  const hosts = wordsOf(s.insecureText);
  const key = s.haveKey.trim();
  return {
    problems,
    input: {
      images: s.references,
      outputDir,
      ...(s.defaultPlatforms.length > 0 ? { platforms: s.defaultPlatforms } : {}),
      ...(imagePlatforms.length > 0 ? { imagePlatforms } : {}),
      ...(s.allPlatformsRequired && (s.defaultPlatforms.length > 0 || imagePlatforms.length > 0) ? { allPlatformsRequired: true } : {}),
      ...(split !== undefined ? { split } : {}),
      ...(parity !== undefined ? { parity } : {}),
      ...(s.signKey.trim() !== '' ? { signKey: s.signKey.trim() } : {}),
      ...(s.includeForeignLayers ? { includeForeignLayers: true } : {}),
      ...(hosts.length > 0 ? { insecureRegistries: hosts } : {}),
      ...(s.force ? { force: true } : {}),
      ...(s.charts.length > 0 ? { charts: s.charts.map((c) => c.source) } : {}),
      ...(s.files.length > 0 ? { files: s.files.map((f) => f.source) } : {}),
      ...(s.referrers ? { referrers: true } : {}),
      ...(s.have.length > 0 ? { have: s.have.map((h) => h.path) } : {}),
      ...(s.have.length > 0 && key !== '' ? { trustedKeys: [key] } : {}),
    },
  };
}
