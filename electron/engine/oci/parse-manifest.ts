import { FerryError } from '../errors/ferry-error.js';
import { parseStrictJson } from '../util/parse-strict-json.js';
import type { Descriptor } from './descriptor.js';
import { isImageManifestMediaType, isIndexMediaType } from './media-types.js';

/** An image index or manifest list, as parsed. */
export interface IndexDocument {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
  raw: Record<string, unknown>;
}

/** A single-image manifest, as parsed. */
export interface ImageManifestDocument {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  raw: Record<string, unknown>;
}

/** Parses manifest bytes of a known media type; the error names `subject` when the document is malformed. */
export function parseManifest(bytes: Buffer, mediaType: string, subject: string): IndexDocument | ImageManifestDocument {
  let raw: Record<string, unknown>;
  try {
    raw = parseStrictJson(bytes) as Record<string, unknown>;
  } catch (error) {
    throw new FerryError('unsupported-manifest', `The manifest of "${subject}" is not JSON Ferry reads: ${(error as Error).message}.`, { subject });
  }
  if (typeof raw !== 'object' || raw === null) {
    throw new FerryError('unsupported-manifest', `The manifest of "${subject}" is not a JSON object.`, { subject });
  }
  if (isIndexMediaType(mediaType)) {
    if (!Array.isArray(raw.manifests)) throw malformed(subject, 'it has no "manifests" list');
    const manifests = raw.manifests.map((d) => checkDescriptor(d, subject));
    return { kind: 'index', mediaType, manifests, raw };
  }
  if (isImageManifestMediaType(mediaType)) {
    if (!Array.isArray(raw.layers)) throw malformed(subject, 'it has no "layers" list');
    const config = checkDescriptor(raw.config, subject);
    const layers = raw.layers.map((d) => checkDescriptor(d, subject));
    return { kind: 'manifest', mediaType, config, layers, raw };
  }
  throw new FerryError(
    'unsupported-manifest',
    `"${subject}" has media type ${mediaType}, which is not an image manifest or index.`,
    { subject },
  );
}

function malformed(subject: string, why: string): FerryError {
  return new FerryError('unsupported-manifest', `The manifest of "${subject}" is malformed: ${why}.`, { subject });
}

function checkDescriptor(value: unknown, subject: string): Descriptor {
  const d = value as Partial<Descriptor> | null;
  if (
    !d ||
    typeof d.mediaType !== 'string' ||
    typeof d.digest !== 'string' ||
    !/^sha256:[a-f0-9]{64}$/.test(d.digest) ||
    typeof d.size !== 'number' ||
    !Number.isSafeInteger(d.size) ||
    d.size < 0
  ) {
    throw malformed(subject, `a descriptor is missing a sha256 digest, size or media type (${JSON.stringify(value)?.slice(0, 200)})`);
  }
  return d as Descriptor;
}
