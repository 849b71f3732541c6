import type { BundleManifest, ImageRecord, PlatformRecord } from '../../../shared/bundle-manifest.js';
import { blobPath } from '../bundle/archive/archive-metadata.js';
import type { Descriptor } from '../oci/descriptor.js';
import { MediaType } from '../oci/media-types.js';
import { parseManifest, type ImageManifestDocument } from '../oci/parse-manifest.js';
import { familiarName } from '../reference/familiar-name.js';
import type { WalkOutcome } from './archive-walk.js';
import type { FaultList } from './fault-list.js';
import { parseStrictJson } from '../util/parse-strict-json.js';

/** What the structure check learnt: which images each blob belongs to, and what it covered. */
export interface StructureOutcome {
  /** Blob digest → the image references it belongs to. */
  owners: Map<string, Set<string>>;
  /** How many manifests and indexes were parsed and followed. */
  documents: number;
}

const IMAGE_NAME = 'io.containerd.image.name';
const REF_NAME = 'org.opencontainers.image.ref.name';

/**
 * Checks that the archive hangs together as an image store: `oci-layout`; `index.json` naming
 * every image of bundle.json by reference with its carried manifest; docker-save's
 * `manifest.json` agreeing with bundle.json (loadable images listed, their config and layer
 * paths present); and every manifest and index parsed, every descriptor it references (child
 * manifests, configs, layers) in the archive, declared a foreign layer left out, or (a delta) declared
 * held offline in `delta.omitted` — a reference to such a blob is not a fault.
 */
export function checkArchiveStructure(manifest: BundleManifest, walk: WalkOutcome, faults: FaultList): StructureOutcome {
  const records = new Map(manifest.blobs.map((b) => [b.digest, b]));
  const owners = new Map<string, Set<string>>();
  const own = (digest: string, image: string): void => {
    if (!owners.has(digest)) owners.set(digest, new Set());
    owners.get(digest)!.add(image);
  };
  const leftOut = new Set(manifest.images.flatMap((i) => i.foreignLayers.filter((f) => !f.carried).map((f) => f.digest)));
  const held = new Map((manifest.delta?.omitted ?? []).map((o) => [o.digest, o]));
  const fault = (kind: 'metadata' | 'reference-missing', message: string, extra: { file?: string; blob?: string; parts?: string[] } = {}): void => {
    faults.add('structure', {
      kind,
      message,
      ...(extra.file ? { file: extra.file } : {}),
      ...(extra.blob ? { blob: extra.blob } : {}),
      ...(extra.parts?.[0] ? { part: extra.parts.join(', ') } : {}),
    });
  };
  /** A referenced blob that is not there; blobs merely not reached by an interrupted walk are not judged. */
  const absent = (digest: string): boolean => !walk.present.has(digest) && (walk.complete || !records.has(digest));

  // oci-layout
  const layout = walk.metadata.get('oci-layout');
  if (layout) {
    const json = parseJson(layout.bytes);
    const version = (json as { imageLayoutVersion?: unknown } | undefined)?.imageLayoutVersion;
    if (typeof version !== 'string') fault('metadata', `oci-layout is not an OCI layout file (${json === undefined ? 'not valid UTF-8 JSON' : 'no imageLayoutVersion'}).`, { file: 'oci-layout', parts: layout.parts });
  } else if (walk.complete) {
    fault('metadata', 'The archive has no oci-layout file: OCI readers will not take it as an image layout.', { file: 'oci-layout' });
  }

  // index.json
  const index = walk.metadata.get('index.json');
  if (index) {
    const at = { file: 'index.json', parts: index.parts };
    const json = parseJson(index.bytes) as { schemaVersion?: unknown; manifests?: unknown } | undefined;
    if (!json || typeof json !== 'object' || !Array.isArray(json.manifests)) {
      fault('metadata', `index.json is ${json === undefined ? 'not valid UTF-8 JSON' : 'not an OCI index (no "manifests" list)'}.`, at);
    } else {
      if (json.schemaVersion !== 2) fault('metadata', `index.json has schemaVersion ${JSON.stringify(json.schemaVersion)}; an OCI index has 2.`, at);
      const mediaType = (json as { mediaType?: unknown }).mediaType;
      if (mediaType !== undefined && mediaType !== MediaType.ociIndex) fault('metadata', `index.json has media type ${JSON.stringify(mediaType)}; an OCI index has ${MediaType.ociIndex}.`, at);
      const descriptors = json.manifests.filter((d): d is Descriptor => isDescriptor(d));
      if (descriptors.length !== json.manifests.length) fault('metadata', `index.json has ${json.manifests.length - descriptors.length} malformed descriptor(s).`, at);
      const tops = new Map(manifest.images.map((i) => [i.digest, i]));
      const references = new Set(manifest.images.map((i) => i.reference));
      for (const d of descriptors) {
        const name = d.annotations?.[IMAGE_NAME];
        // a name nobody reviewed must never reach a runtime: every entry is exactly one image of bundle.json
        if (typeof name !== 'string' || !references.has(name)) {
          fault('metadata', `index.json lists ${d.digest} under ${typeof name === 'string' ? `the name ${name}` : 'no name'}, which is not an image of bundle.json; containerd would import it as such.`, { ...at, blob: d.digest });
        }
        if (!tops.has(d.digest)) fault('metadata', `index.json lists ${d.digest}${name ? ` (${name})` : ''}, which is not the carried manifest of any image in bundle.json.`, { ...at, blob: d.digest });
        else if (absent(d.digest)) fault('reference-missing', `index.json lists ${d.digest}${name ? ` (${name})` : ''}, which is not in the archive.`, { ...at, blob: d.digest });
        const record = records.get(d.digest);
        if (record && record.size !== d.size) fault('metadata', `index.json gives ${d.digest} a size of ${d.size}; the archive holds ${record.size} bytes.`, { ...at, blob: d.digest });
      }
      for (const image of manifest.images) {
        const named = descriptors.filter((d) => d.annotations?.[IMAGE_NAME] === image.reference);
        if (named.length === 0) fault('metadata', `index.json does not name ${image.reference} (no entry with ${IMAGE_NAME}); containerd would import it without its name.`, at);
        else if (named.length > 1) fault('metadata', `index.json names ${image.reference} ${named.length} times.`, at);
        else if (named[0]!.digest !== image.digest) fault('metadata', `index.json names ${image.reference} with ${named[0]!.digest}; bundle.json records ${image.digest}.`, { ...at, blob: image.digest });
        else if (named[0]!.mediaType !== image.mediaType) fault('metadata', `index.json gives ${image.reference} the media type ${named[0]!.mediaType}; bundle.json records ${image.mediaType}.`, at);
        else {
          const d = named[0]!;
          const refName = d.annotations?.[REF_NAME];
          if (image.tag !== undefined && refName !== image.tag) fault('metadata', `index.json gives ${image.reference} the tag ${JSON.stringify(refName)}; bundle.json records ${image.tag}.`, at);
          if (d.platform && !samePlatform(d.platform, image.manifests.find((m) => m.digest === d.digest)?.platform)) {
            fault('metadata', `index.json gives ${image.reference} the platform ${JSON.stringify(d.platform)}, which bundle.json does not record for it.`, at);
          }
        }
      }
    }
  } else if (walk.complete) {
    fault('metadata', 'The archive has no index.json: it is not an OCI image layout.', { file: 'index.json' });
  }

  // every manifest and index, followed from each image's top
  const parsed = new Map<string, ReturnType<typeof parseManifest> | null>();
  const parse = (digest: string, mediaType: string, image?: ImageRecord): ReturnType<typeof parseManifest> | undefined => {
    if (parsed.has(digest)) return parsed.get(digest) ?? undefined;
    const bytes = walk.documents.get(digest);
    if (!bytes) return undefined; // absent, damaged or too large: reported elsewhere
    try {
      const doc = parseManifest(bytes, mediaType, image ? `${image.reference}@${digest}` : digest);
      parsed.set(digest, doc);
      return doc;
    } catch (error) {
      parsed.set(digest, null);
      fault('metadata', `Manifest ${digest}${image ? ` of ${image.reference}` : ''} cannot be read: ${(error as Error).message}`, { blob: digest, parts: walk.blobParts.get(digest) ?? [] });
      return undefined;
    }
  };
  const followed = new Set<string>();
  const reached = new Set<string>();
  const follow = (digest: string, mediaType: string, image: ImageRecord | undefined): void => {
    const key = `${digest} ${image?.reference ?? ''}`;
    if (followed.has(key)) return;
    followed.add(key);
    reached.add(digest);
    if (image) own(digest, image.reference);
    const doc = parse(digest, mediaType, image);
    if (!doc) return;
    const of = `${doc.kind === 'index' ? 'Index' : 'Manifest'} ${digest}${image ? ` of ${image.reference}` : ''}`;
    const at = { blob: digest, parts: walk.blobParts.get(digest) ?? [] };
    const check = (d: Descriptor, what: string): boolean => {
      if (image) own(d.digest, image.reference);
      const record = records.get(d.digest);
      if (record && record.size !== d.size) fault('metadata', `${of} gives ${what} ${d.digest} a size of ${d.size}; the archive holds ${record.size} bytes.`, at);
      const offline = held.get(d.digest);
      if (!record && offline && offline.size !== d.size) fault('metadata', `${of} gives ${what} ${d.digest} a size of ${d.size}; bundle.json records ${offline.size} bytes for it, held offline.`, at);
      if (!absent(d.digest)) return true;
      if (leftOut.has(d.digest) || offline) return false;
      const listed = record ? '' : manifest.delta ? ' nor listed in bundle.json, as carried or as held offline (delta.omitted)' : ' nor in bundle.json';
      fault('reference-missing', `${of} references ${what} ${d.digest}, which is not in the archive${listed}.`, { ...at, blob: d.digest });
      return false;
    };
    if (doc.kind === 'index') {
      for (const child of doc.manifests) {
        if (check(child, 'manifest')) follow(child.digest, child.mediaType, image);
      }
    } else {
      check(doc.config, 'config');
      for (const layer of doc.layers) check(layer, 'layer');
    }
  };
  for (const image of manifest.images) {
    if (absent(image.digest) && !records.has(image.digest)) fault('reference-missing', `bundle.json records ${image.digest} as the manifest of ${image.reference}, but the archive does not hold it.`, { blob: image.digest });
    follow(image.digest, image.mediaType, image);
    for (const m of image.manifests) {
      own(m.digest, image.reference);
      if (absent(m.digest) && !records.has(m.digest)) fault('reference-missing', `bundle.json records manifest ${m.digest} of ${image.reference}, but the archive does not hold it.`, { blob: m.digest });
    }
    // carried signatures, attestations and SBOMs: each manifest present, and everything it references
    for (const r of image.referrers ?? []) {
      if (absent(r.digest)) {
        fault('reference-missing', `bundle.json records ${r.kind} ${r.digest} of ${image.reference}, but the archive does not hold it.`, { blob: r.digest });
        continue;
      }
      follow(r.digest, r.mediaType, image);
    }
  }
  // the published index carried as signature evidence (platforms filtered): present and readable, not followed (its
  // other platforms were left out on purpose)
  for (const image of manifest.images) {
    const original = image.originalManifest;
    if (!original) continue;
    reached.add(original.digest);
    own(original.digest, image.reference);
    if (absent(original.digest)) fault('reference-missing', `bundle.json records the published index ${original.digest} of ${image.reference}, but the archive does not hold it.`, { blob: original.digest });
    else parse(original.digest, original.mediaType, image);
  }
  // manifests no image reaches are still read and followed
  for (const digest of walk.documents.keys()) {
    if (!reached.has(digest)) follow(digest, records.get(digest)!.mediaType, undefined);
  }

  // docker-save manifest.json
  const docker = walk.metadata.get('manifest.json');
  if (docker) checkDockerManifest(manifest, docker.bytes, docker.parts, walk, parsed, absent, fault);
  else if (walk.complete && manifest.images.some((i) => i.dockerLoadable)) fault('metadata', 'The archive has no manifest.json: docker load cannot read it.', { file: 'manifest.json' });

  return { owners, documents: [...parsed.values()].filter((d) => d).length };
}

function checkDockerManifest(
  manifest: BundleManifest,
  bytes: Buffer,
  parts: string[],
  walk: WalkOutcome,
  parsed: Map<string, ReturnType<typeof parseManifest> | null>,
  absent: (digest: string) => boolean,
  fault: (kind: 'metadata' | 'reference-missing', message: string, extra?: { file?: string; blob?: string; parts?: string[] }) => void,
): void {
  const at = { file: 'manifest.json', parts };
  const json = parseJson(bytes);
  if (!Array.isArray(json)) {
    fault('metadata', `manifest.json is ${json === undefined ? 'not valid UTF-8 JSON' : 'not a docker-save manifest (not a list)'}.`, at);
    return;
  }
  const entries: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  json.forEach((e: unknown, i) => {
    const entry = e as { Config?: unknown; RepoTags?: unknown; Layers?: unknown };
    const ok =
      entry && typeof entry.Config === 'string' && Array.isArray(entry.Layers) && entry.Layers.every((l) => typeof l === 'string') && (entry.RepoTags === undefined || entry.RepoTags === null || (Array.isArray(entry.RepoTags) && entry.RepoTags.every((t) => typeof t === 'string')));
    if (!ok) {
      fault('metadata', `manifest.json entry ${i + 1} is malformed (it needs Config, RepoTags and Layers).`, at);
      return;
    }
    entries.push({ Config: entry.Config as string, RepoTags: (entry.RepoTags as string[] | null) ?? [], Layers: entry.Layers as string[] });
  });
  const digestOfPath = (path: string): string | undefined => {
    const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(path);
    return m ? `sha256:${m[1]}` : undefined;
  };
  entries.forEach((entry, i) => {
    for (const path of [entry.Config, ...entry.Layers]) {
      const digest = digestOfPath(path);
      if (!digest) fault('metadata', `manifest.json entry ${i + 1} names "${path}", which is not a blob path.`, at);
      else if (absent(digest)) fault('reference-missing', `manifest.json entry ${i + 1} names ${path}, which is not in the archive.`, { ...at, blob: digest });
    }
  });
  const imageManifests = (image: ImageRecord): ImageManifestDocument[] =>
    image.manifests.map((m) => parsed.get(m.digest)).filter((d): d is ImageManifestDocument => d?.kind === 'manifest');
  // an entry stands for one image manifest: its config and its layers, in order (twins with the same config
  // and other layer blobs, zstd and gzip say, each have their own entry, as `ctr images export` writes them)
  // compared by one key each (config path and layer paths, in order), so 300 images against 300 entries is not 90,000 walks
  const docKeys = new Map<ImageManifestDocument, string>();
  const docKey = (doc: ImageManifestDocument): string => {
    let key = docKeys.get(doc);
    if (key === undefined) docKeys.set(doc, (key = JSON.stringify([blobPath(doc.config.digest), ...doc.layers.map((l) => blobPath(l.digest))])));
    return key;
  };
  const entryKeys = new Map(entries.map((e) => [e, JSON.stringify([e.Config, ...e.Layers])]));
  const manifestDigest = (image: ImageRecord, doc: ImageManifestDocument): string => image.manifests.find((m) => parsed.get(m.digest) === doc)?.digest ?? '';
  const docsOf = manifest.images.flatMap((image) => imageManifests(image));
  /** The keys of every image manifest of bundle.json: an entry is some image's own when its key is one of them. */
  const anyDocKeys = new Set(docsOf.map(docKey));
  const isAnyImagesEntry = (entry: (typeof entries)[number]): boolean => anyDocKeys.has(entryKeys.get(entry)!);
  const configPaths = new Set(docsOf.map((d) => blobPath(d.config.digest)));
  const unowned = entries.filter((e) => !isAnyImagesEntry(e));
  const byTag = new Map<string, (typeof entries)[number][]>();
  const byKey = new Map<string, (typeof entries)[number][]>();
  const addTo = (map: Map<string, (typeof entries)[number][]>, key: string, entry: (typeof entries)[number]): void => {
    const list = map.get(key);
    if (list) list.push(entry);
    else map.set(key, [entry]);
  };
  for (const e of entries) {
    for (const t of new Set(e.RepoTags)) addTo(byTag, t, e);
    addTo(byKey, entryKeys.get(e)!, e);
  }
  /** Entries already faulted for their layers, not faulted again as belonging to no image. */
  const faulted = new Set<(typeof entries)[number]>();
  for (const image of manifest.images) {
    const tag = image.tag !== undefined ? familiarName({ registry: image.registry, repository: image.repository, tag: image.tag }) : undefined;
    const docs = imageManifests(image);
    const listed = [...new Set(docs.map(docKey))].flatMap((key) => byKey.get(key) ?? []);
    const tagged = tag ? (byTag.get(tag) ?? []) : [];
    if (!image.dockerLoadable) {
      if (tagged.length > 0) fault('metadata', `manifest.json lists ${tag}, but bundle.json records ${image.reference} as not loadable by docker (a layer is not carried).`, at);
      continue;
    }
    if (docs.length < image.manifests.length) continue; // a manifest could not be read: reported already
    // an entry with this image's config (and its tag, if it has one) but other layers: docker load would give it those
    // (untagged, an entry that is another image's own, its twin's, is not this image's to judge)
    const differing = (tag ? tagged : unowned).filter((e) => !listed.includes(e) && docs.some((d) => e.Config === blobPath(d.config.digest)));
    for (const entry of differing) {
      faulted.add(entry);
      const doc = docs.find((d) => entry.Config === blobPath(d.config.digest))!;
      fault('metadata', `manifest.json gives ${image.reference} layers that differ from its manifest ${manifestDigest(image, doc)} (entry ${entries.indexOf(entry) + 1}).`, at);
    }
    // its tag on an entry of another config altogether: docker load would give the tag another image
    for (const entry of tagged.filter((e) => !listed.includes(e) && !differing.includes(e))) {
      fault('metadata', `manifest.json tags ${tag} on entry ${entries.indexOf(entry) + 1}, which is not a manifest of ${image.reference}.`, at);
    }
    if (listed.length === 0) {
      if (differing.length === 0) fault('metadata', `manifest.json does not list ${image.reference}, which bundle.json records as loadable by docker.`, at);
      continue;
    }
    if (tag && !listed.some((e) => e.RepoTags.includes(tag)) && differing.length === 0) fault('metadata', `manifest.json lists ${image.reference} without its tag ${tag}.`, at);
  }
  const tags = new Set(manifest.images.filter((i) => i.tag !== undefined).map((i) => familiarName({ registry: i.registry, repository: i.repository, tag: i.tag! })));
  entries.forEach((entry, i) => {
    for (const tag of entry.RepoTags) {
      if (!tags.has(tag)) fault('metadata', `manifest.json entry ${i + 1} tags ${JSON.stringify(tag)}, which is not an image of bundle.json.`, at);
    }
    if (!walk.complete || faulted.has(entry) || isAnyImagesEntry(entry)) return;
    const config = configPaths.has(entry.Config);
    fault('metadata', `manifest.json entry ${i + 1} (${entry.RepoTags.join(', ') || entry.Config}) belongs to no image of bundle.json${config ? ': its config is one, its layers are not' : ''}.`, at);
  });
}

/** Strict JSON (UTF-8 only, no key twice, bounded nesting); undefined when it is not. */
function parseJson(bytes: Buffer): unknown {
  try {
    return parseStrictJson(bytes);
  } catch {
    return undefined;
  }
}

function samePlatform(p: NonNullable<Descriptor['platform']>, record: PlatformRecord | undefined): boolean {
  return !!record && p.os === record.os && p.architecture === record.architecture && (p.variant ?? undefined) === (record.variant ?? undefined) && (p['os.version'] ?? undefined) === (record.osVersion ?? undefined);
}

function isDescriptor(value: unknown): boolean {
  const d = value as Partial<Descriptor> | null;
  return !!d && typeof d === 'object' && typeof d.mediaType === 'string' && typeof d.digest === 'string' && /^sha256:[a-f0-9]{64}$/.test(d.digest) && typeof d.size === 'number';
}
