/** The manifest media types Ferry asks registries for, and how a fetched manifest's type is determined. */
import { MediaType } from '../oci/media-types.js';

/** OCI image manifest. */
export const OCI_MANIFEST = MediaType.ociManifest;
/** OCI image index. */
export const OCI_INDEX = MediaType.ociIndex;
/** Docker image manifest, schema 2. */
export const DOCKER_MANIFEST = MediaType.dockerManifest;
/** Docker manifest list. */
export const DOCKER_MANIFEST_LIST = MediaType.dockerManifestList;

/** Every manifest type Ferry accepts, in the order sent in `Accept`. */
export const SUPPORTED_MANIFEST_TYPES: readonly string[] = [OCI_INDEX, DOCKER_MANIFEST_LIST, OCI_MANIFEST, DOCKER_MANIFEST];

/** The `Accept` header for manifest requests. */
export const MANIFEST_ACCEPT = SUPPORTED_MANIFEST_TYPES.join(', ');

const SCHEMA1_TYPES = new Set<string>([MediaType.dockerSchema1, MediaType.dockerSchema1Signed]);

const GENERIC_TYPES = new Set(['', 'application/json', 'text/plain', 'application/octet-stream', 'binary/octet-stream']);

/** The media type in a Content-Type header, without parameters, lower-cased. */
export function bareMediaType(contentType: string | string[] | undefined): string {
  const raw = Array.isArray(contentType) ? contentType[0] : contentType;
  return (raw ?? '').split(';')[0]!.trim().toLowerCase();
}

/** True for the deprecated Docker schema 1 manifest types. */
export function isSchema1MediaType(mediaType: string): boolean {
  return SCHEMA1_TYPES.has(mediaType);
}

/** True when a Content-Type says nothing specific about the manifest (so the JSON decides). */
export function isGenericMediaType(mediaType: string): boolean {
  return GENERIC_TYPES.has(mediaType);
}

/** The media type a manifest document declares or implies: its `mediaType`, else OCI by shape; undefined when unknown. */
export function mediaTypeFromDocument(document: Record<string, unknown>): string | undefined {
  if (typeof document['mediaType'] === 'string' && document['mediaType'] !== '') return document['mediaType'];
  if (document['schemaVersion'] !== 2) return undefined;
  if (Array.isArray(document['manifests'])) return OCI_INDEX;
  if (document['config'] !== undefined && Array.isArray(document['layers'])) return OCI_MANIFEST;
  return undefined;
}
