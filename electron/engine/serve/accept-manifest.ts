import { MediaType } from '../oci/media-types.js';

/** What the manifest route answers for a stored manifest, given the client's `Accept`. */
export type ManifestChoice =
  | { kind: 'as-stored' }
  /** A Docker manifest list asked by tag by a client that accepts only Docker v2 manifests: its linux/amd64 manifest. */
  | { kind: 'platform' }
  | { kind: 'not-acceptable'; message: string };

/** The media types an `Accept` header names (parameters such as `q=` dropped, as distribution does); undefined when absent. */
export function acceptedTypes(header: string | string[] | undefined): Set<string> | undefined {
  if (header === undefined) return undefined;
  const values = Array.isArray(header) ? header : [header];
  const types = new Set<string>();
  for (const value of values) for (const part of value.split(',')) {
    const type = part.split(';')[0]!.trim().toLowerCase();
    if (type) types.add(type);
  }
  return types;
}

/**
 * Picks what a manifest request gets, following distribution (registry 2.8) so a client cannot tell the two apart:
 * - no `Accept` header, or one with a wildcard that covers the type (`*\/*`, `application/*`): the manifest as stored;
 * - the stored media type accepted: as stored;
 * - an OCI manifest or index not accepted: 404 `MANIFEST_UNKNOWN` (by tag or digest), as distribution;
 * - a Docker manifest list asked **by tag** by a client that does not accept lists but accepts Docker v2 manifests: the
 *   list's linux/amd64 manifest (old docker clients), as distribution;
 * - a Docker v2 manifest or list asked by digest: as stored (a digest names those bytes), as distribution;
 * - a Docker v2 manifest (or a list) asked by tag by a client accepting neither: 404 `MANIFEST_UNKNOWN` — distribution
 *   would rewrite it as a signed schema 1 manifest, which Ferry never makes (a listed difference).
 */
export function chooseManifest(options: { mediaType: string; accept: Set<string> | undefined; byTag: boolean }): ManifestChoice {
  const { mediaType, accept, byTag } = options;
  if (accept === undefined || accept.has(mediaType) || accept.has('*/*') || accept.has(`${mediaType.split('/')[0]}/*`)) return { kind: 'as-stored' };
  if (mediaType === MediaType.ociManifest) return { kind: 'not-acceptable', message: 'OCI manifest found, but accept header does not support OCI manifests' };
  if (mediaType === MediaType.ociIndex) return { kind: 'not-acceptable', message: 'OCI index found, but accept header does not support OCI indexes' };
  if (!byTag) return { kind: 'as-stored' };
  if (mediaType === MediaType.dockerManifestList && accept.has(MediaType.dockerManifest)) return { kind: 'platform' };
  return { kind: 'not-acceptable', message: `${mediaType} found, but accept header does not support it (no schema 1 manifests are served)` };
}

/** The linux/amd64 manifest of a Docker manifest list (what distribution gives old clients), or undefined. */
export function defaultPlatformManifest(list: Buffer): string | undefined {
  try {
    const doc = JSON.parse(list.toString('utf8')) as { manifests?: { digest?: unknown; platform?: { os?: unknown; architecture?: unknown } }[] };
    const found = (doc.manifests ?? []).find((m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64');
    return typeof found?.digest === 'string' ? found.digest : undefined;
  } catch {
    return undefined;
  }
}
