import type { BundleManifest, ImageRecord } from '../../../shared/bundle-manifest.js';
import { escapeControl, hasControlCharacter } from '../../../shared/format.js';
import { parseChartSource } from '../charts/parse-chart-source.js';
import { FerryError } from '../errors/ferry-error.js';
import { formatReference } from '../reference/format-reference.js';
import { parseReference } from '../reference/parse-reference.js';
import { BUNDLE_FILE, SUMS_FILE } from './output-folder.js';
import type { ImageReference } from '../reference/image-reference.js';
import { fullName } from '../sources/local-reference.js';
import { parseSourceName, pinnedName } from '../sources/source-name.js';
import { formatPlatform } from '../platform/format-platform.js';
import { platformMatches } from '../platform/match-platform.js';
import { parsePlatform } from '../platform/parse-platform.js';
import type { Platform } from '../platform/platform.js';

/** The largest archive Ferry accepts a `bundle.json` to describe (256 TiB): any larger number is a forgery. */
export const MAX_ARCHIVE_BYTES = 2 ** 48;
/** Reed–Solomon over GF(2^8): data and parity parts together are at most 256. */
const MAX_SHARDS = 256;
const PART_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const RESERVED = new Set([BUNDLE_FILE, SUMS_FILE, 'README.txt', 'signatures']);
const OS_ARCH = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * What a `bundle.json` that passed its schema must also be, so that every command reads one meaning from it:
 * each image's `reference` parses and is canonical, and `registry`, `repository`, `tag` and `source` say the
 * same (a policy judges exactly the name the runtime will get); its digests agree with `asPublished` and a
 * pinned reference; nothing is listed twice (images, platform manifests, referrers, blobs, charts, files,
 * parts); every number is bounded (sizes within the archive, parity consistent with the parts); no string
 * holds a control character. Returns every problem as a sentence naming the field; empty when consistent.
 */
export function checkManifestConsistency(manifest: BundleManifest): string[] {
  const problems: string[] = [];
  // values echoed from a hostile bundle.json are shown escaped: a message never carries a raw control character
  const add = (message: string): void => void problems.push(escapeControl(message));
  // a large bundle.json is walked value by value only when its text says a string may hold one
  if (!surelyWithoutControlCharacters(manifest)) findControlCharacters(manifest, 'bundle.json', add);

  const { archive } = manifest;
  if (archive.size > MAX_ARCHIVE_BYTES) add(`archive.size is ${archive.size}: far beyond any real archive (at most ${MAX_ARCHIVE_BYTES} bytes).`);
  const partSum = archive.parts.reduce((n, p) => n + p.size, 0);
  if (partSum !== archive.size) add(`archive.size is ${archive.size}, but the archive's parts add up to ${partSum}.`);
  if (archive.parts.length === 1 && archive.parts[0]!.sha256 !== archive.sha256) {
    add(`archive.sha256 is ${archive.sha256}, but its only part ${archive.parts[0]!.name} records ${archive.parts[0]!.sha256}.`);
  }
  if (archive.parity) {
    const { parity } = archive;
    const largest = Math.max(...archive.parts.map((p) => p.size));
    if (parity.dataParts !== archive.parts.length) add(`archive.parity.dataParts is ${parity.dataParts}, but the archive has ${archive.parts.length} data parts.`);
    if (parity.shardSize !== largest) add(`archive.parity.shardSize is ${parity.shardSize}; it must be the size of the largest data part, ${largest}.`);
    if (archive.parts.length + parity.parts.length > MAX_SHARDS) add(`archive has ${archive.parts.length} data and ${parity.parts.length} parity parts; Reed–Solomon over GF(2^8) allows ${MAX_SHARDS} in all.`);
    parity.parts.forEach((p, i) => {
      if (p.size !== parity.shardSize) add(`archive.parity.parts[${i}] (${p.name}) is ${p.size} bytes; every parity part is archive.parity.shardSize (${parity.shardSize}) bytes.`);
    });
  }
  const partNames = [...archive.parts, ...(archive.parity?.parts ?? [])].map((p) => p.name);
  duplicates(partNames, (name) => add(`archive lists the part ${name} twice.`));
  for (const name of [archive.name, ...partNames]) {
    if (!PART_NAME.test(name) || RESERVED.has(name)) add(`archive names a file "${name}", which cannot be an archive file (a plain name not starting with a dot, and not ${[...RESERVED].join(', ')}).`);
  }

  duplicates(manifest.blobs.map((b) => b.digest), (d) => add(`blobs lists ${d} twice.`));
  const blobs = new Map(manifest.blobs.map((b) => [b.digest, b]));
  manifest.blobs.forEach((b, i) => {
    if (b.size > archive.size) add(`blobs[${i}] (${b.digest}) is ${b.size} bytes, larger than the whole archive (${archive.size}).`);
  });

  duplicates(manifest.images.map((i) => i.reference), (r) => add(`images lists ${r} twice.`));
  // a delta's blobs held offline: what a chart or a carried foreign layer may rely on instead of the archive
  const held = new Set((manifest.delta?.omitted ?? []).map((o) => o.digest));
  manifest.images.forEach((image, i) => checkImage(image, `images[${i}]`, blobs, held, add, manifest.platforms));

  duplicates((manifest.charts ?? []).map((c) => `${c.name} ${c.version}`), (c) => add(`charts lists ${c} twice.`));
  (manifest.charts ?? []).forEach((chart, i) => {
    const at = `charts[${i}] (${chart.name} ${chart.version})`;
    try {
      const parsed = parseChartSource(chart.source);
      if (parsed.name !== chart.name || parsed.version !== chart.version) add(`${at}: its source ${chart.source} names ${parsed.name} ${parsed.version}.`);
    } catch (error) {
      add(`${at}: its source is not a chart source: ${(error as Error).message}`);
    }
    if (!blobs.has(chart.digest)) add(`${at}: its digest ${chart.digest} is not in blobs.`);
    if (!blobs.has(chart.chartDigest) && !held.has(chart.chartDigest)) add(`${at}: its chartDigest ${chart.chartDigest} is not in blobs${manifest.delta ? ' nor in delta.omitted' : ''}.`);
  });
  duplicates((manifest.files ?? []).map((f) => f.name), (n) => add(`files lists ${n} twice.`));
  (manifest.files ?? []).forEach((f, i) => {
    if (f.size > archive.size) add(`files[${i}] (${f.name}) is ${f.size} bytes, larger than the whole archive.`);
  });
  if (manifest.delta) {
    const omitted = manifest.delta.omitted;
    duplicates(omitted.map((o) => o.digest), (d) => add(`delta.omitted lists ${d} twice.`));
    omitted.forEach((o, i) => {
      if (blobs.has(o.digest)) add(`delta.omitted[${i}] (${o.digest}) is also carried in blobs: a blob is either carried or omitted.`);
      if (o.size > MAX_ARCHIVE_BYTES) add(`delta.omitted[${i}] (${o.digest}) is ${o.size} bytes: far beyond any real blob.`);
    });
    const manifests = new Set(manifest.images.flatMap((i) => [i.digest, ...i.manifests.map((m) => m.digest)]));
    for (const o of omitted) if (manifests.has(o.digest)) add(`delta.omitted lists the manifest ${o.digest}; a delta carries every manifest.`);
    duplicates(manifest.delta.against.map((a) => a.sha256), (d) => add(`delta.against lists ${d} twice.`));
  }
  if (Number.isNaN(Date.parse(manifest.created))) add(`created (${manifest.created}) is not a date.`);
  return problems;
}

/** {@link checkManifestConsistency}, throwing a `bad-bundle` error naming the file and every problem (the first ten). */
export function assertManifestConsistent(manifest: BundleManifest, path: string): void {
  const problems = checkManifestConsistency(manifest);
  if (problems.length === 0) return;
  const shown = problems.slice(0, 10).join(' ');
  throw new FerryError('bad-bundle', `${path} contradicts itself (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${shown}${problems.length > 10 ? ` … and ${problems.length - 10} more` : ''}`, { subject: path });
}

function checkImage(image: ImageRecord, at: string, blobs: Map<string, { size: number }>, held: Set<string>, add: (m: string) => void, bundlePlatforms: string[] | undefined): void {
  let ref: ImageReference;
  try {
    ref = parseReference(image.reference);
  } catch (error) {
    add(`${at}.reference is not an image reference: ${(error as Error).message}.`);
    return;
  }
  const canonical = formatReference(ref);
  const name = `${at} (${canonical})`;
  if (canonical !== image.reference) add(`${at}.reference ${image.reference} is not in its full form ${canonical}.`);
  if (image.registry !== ref.registry) add(`${name}: registry says ${image.registry}, the reference says ${ref.registry}.`);
  if (image.repository !== ref.repository) add(`${name}: repository says ${image.repository}, the reference says ${ref.repository}.`);
  if (image.tag !== ref.tag) add(`${name}: tag says ${image.tag ?? '(none)'}, the reference says ${ref.tag ?? '(none)'}.`);
  if (ref.digest !== undefined && ref.digest !== image.originalDigest) add(`${name}: the reference pins ${ref.digest}, but originalDigest is ${image.originalDigest}.`);
  try {
    // a local source (docker-archive:, oci-archive:, oci:, docker-daemon:) names the image only where it pins a full name
    const local = parseSourceName(image.source);
    const pinned = local ? pinnedName(local) : image.source;
    const named = pinned === undefined ? undefined : local ? fullName(pinned) : parseReference(pinned);
    if (named && formatReference(named) !== canonical) add(`${name}: source ${image.source} names ${formatReference(named)}, not this image.`);
  } catch (error) {
    add(`${name}: source is not an image reference: ${(error as Error).message}.`);
  }
  if (image.asPublished && image.digest !== image.originalDigest) add(`${name}: asPublished is true, but digest ${image.digest} differs from originalDigest ${image.originalDigest}.`);
  duplicates(image.manifests.map((m) => m.digest), (d) => add(`${name}: manifests lists ${d} twice.`));
  image.manifests.forEach((m, j) => {
    if (m.platform && (!OS_ARCH.test(m.platform.os) || !OS_ARCH.test(m.platform.architecture))) add(`${name}: manifests[${j}] has the platform ${m.platform.os}/${m.platform.architecture}, which is not one.`);
  });
  duplicates((image.referrers ?? []).map((r) => r.digest), (d) => add(`${name}: referrers lists ${d} twice.`));
  const subjects = new Set([image.digest, image.originalDigest, ...image.manifests.map((m) => m.digest)]);
  (image.referrers ?? []).forEach((r, j) => {
    if (!subjects.has(r.subject)) add(`${name}: referrers[${j}] refers to ${r.subject}, which is neither this image nor one of its platform manifests.`);
  });
  duplicates(image.foreignLayers.map((f) => f.digest), (d) => add(`${name}: foreignLayers lists ${d} twice.`));
  const carried = [image.digest, ...image.manifests.map((m) => m.digest), ...(image.referrers ?? []).map((r) => r.digest), ...(image.originalManifest ? [image.originalManifest.digest] : [])];
  for (const digest of new Set(carried)) if (!blobs.has(digest)) add(`${name}: ${digest} is not in blobs.`);
  for (const f of image.foreignLayers) if (f.carried && !blobs.has(f.digest) && !held.has(f.digest)) add(`${name}: the foreign layer ${f.digest} is marked carried but is not in blobs${held.size > 0 ? ' nor in delta.omitted' : ''}.`);
  checkPlatformsAsked(image, name, bundlePlatforms, add);
}

/**
 * `missingPlatforms` (and `requestedPlatforms`) against what was asked and what is carried: each missing platform was
 * asked for (this image's own `requestedPlatforms`, else the bundle's `platforms`), once, and no carried manifest has it;
 * not every one asked is missing (such an image is an error, never bundled); and, where the asked list is known to be
 * this image's (its own, or the bundle's when it records what it lacks), every one asked that nothing carried has is
 * listed as missing. Older bundles (neither field) are judged on nothing here.
 */
function checkPlatformsAsked(image: ImageRecord, name: string, bundlePlatforms: string[] | undefined, add: (m: string) => void): void {
  const own = image.requestedPlatforms;
  const missing = image.missingPlatforms;
  if (own === undefined && missing === undefined) return;
  const parse = (field: string, spec: string): Platform | undefined => {
    try {
      const platform = parsePlatform(spec);
      if (formatPlatform(platform) === spec) return platform;
      add(`${name}: ${field} lists "${spec}", which is not in the form Ferry writes (${formatPlatform(platform)}).`);
    } catch (error) {
      add(`${name}: ${field} lists "${spec}", which is not a platform: ${(error as Error).message}.`);
    }
    return undefined;
  };
  if (own !== undefined) {
    if (own.length === 0) add(`${name}: requestedPlatforms is empty; an image given its own platforms names at least one.`);
    duplicates(own, (p) => add(`${name}: requestedPlatforms lists ${p} twice.`));
    own.forEach((spec) => parse('requestedPlatforms', spec));
  }
  const asked = own ?? bundlePlatforms;
  const carried = image.manifests.map((m) => m.platform);
  const carriedPlatforms = carried.filter((p) => p !== undefined).map((p) => ({ os: p.os, architecture: p.architecture, ...(p.variant ? { variant: p.variant } : {}), ...(p.osVersion ? { osVersion: p.osVersion } : {}) }));
  if (missing !== undefined) {
    if (missing.length === 0) add(`${name}: missingPlatforms is empty; it is absent when the image has every platform asked for.`);
    duplicates(missing, (p) => add(`${name}: missingPlatforms lists ${p} twice.`));
    if (asked === undefined) add(`${name}: missingPlatforms lists ${missing.join(', ')}, but no platforms were asked for (neither the bundle's platforms nor the image's own).`);
    for (const spec of new Set(missing)) {
      if (asked !== undefined && !asked.includes(spec)) add(`${name}: missingPlatforms lists ${spec}, which was not asked for (asked: ${asked.join(', ')}).`);
      const platform = parse('missingPlatforms', spec);
      const j = platform ? carriedPlatforms.findIndex((have) => platformMatches(platform, have)) : -1;
      if (j !== -1) add(`${name}: missingPlatforms lists ${spec}, yet a carried manifest has it (${formatPlatform(carriedPlatforms[j]!)}).`);
    }
    if (asked !== undefined && asked.length > 0 && asked.every((spec) => missing.includes(spec))) {
      add(`${name}: missingPlatforms lists every platform asked for; an image with none of them is not bundled.`);
    }
  }
  // every manifest carried names its platform: then what was asked and nothing carries must be listed as missing
  if (asked !== undefined && carried.every((p) => p !== undefined)) {
    for (const spec of new Set(asked)) {
      if ((missing ?? []).includes(spec)) continue;
      let platform: Platform;
      try {
        platform = parsePlatform(spec);
      } catch {
        continue; // told above, or the bundle's own platforms (not this image's to judge)
      }
      if (!carriedPlatforms.some((have) => platformMatches(platform, have))) add(`${name}: no carried manifest has ${spec}, which was asked for, yet missingPlatforms does not list it.`);
    }
  }
}

function duplicates(values: string[], report: (value: string) => void): void {
  const seen = new Set<string>();
  const told = new Set<string>();
  for (const v of values) {
    if (seen.has(v) && !told.has(v)) {
      told.add(v);
      report(v);
    }
    seen.add(v);
  }
}

/**
 * Whether no string of the document (keys too) can hold a control character, judged at once from its JSON text:
 * JSON.stringify writes every C0 control as an escape (a backslash), and the others raw. A text with a backslash
 * in it (a quote, a backslash or a control character in some string) gets the walk below.
 */
function surelyWithoutControlCharacters(value: unknown): boolean {
  const text = JSON.stringify(value);
  return !text.includes('\\') && !hasControlCharacter(text);
}

/** Every string in the document (keys too) that holds a control character, by its JSON path. */
function findControlCharacters(value: unknown, path: string, add: (m: string) => void): void {
  if (typeof value === 'string') {
    if (hasControlCharacter(value)) add(`${path} holds a control character: ${JSON.stringify(value.slice(0, 80))}.`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => findControlCharacters(v, `${path}[${i}]`, add));
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (hasControlCharacter(key)) add(`${path} has a key holding a control character.`);
      findControlCharacters(v, `${path}.${escapeControl(key)}`, add);
    }
  }
}
