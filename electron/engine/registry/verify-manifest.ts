import { FerryError } from '../errors/ferry-error.js';
import { digestOf, parseDigest } from '../oci/digest.js';
import {
  bareMediaType,
  isGenericMediaType,
  isSchema1MediaType,
  mediaTypeFromDocument,
  SUPPORTED_MANIFEST_TYPES,
} from './manifest-media-types.js';

/** A manifest as the registry sent it, before checks. */
export interface ManifestResponse {
  bytes: Buffer;
  contentType: string | string[] | undefined;
  /** The `Docker-Content-Digest` header, if any. */
  headerDigest: string | string[] | undefined;
  /** The digest the reference pinned, if any (already validated). */
  expectedDigest: string | undefined;
  /** Image reference for messages and the error subject. */
  subject: string;
  registry: string;
}

/** A checked manifest: its media type, its digest, and its bytes. */
export interface VerifiedManifest {
  mediaType: string;
  digest: string;
  bytes: Buffer;
}

/**
 * Checks a fetched manifest: the bytes hash to the pinned digest (or agree with `Docker-Content-Digest` when fetched
 * by tag), it is not Docker schema 1, and its media type (Content-Type, else the JSON `mediaType`) is one Ferry supports.
 */
export function verifyManifest(m: ManifestResponse): VerifiedManifest {
  const { bytes, subject } = m;
  let digest = digestOf(bytes);
  if (m.expectedDigest !== undefined) {
    const expected = parseDigest(m.expectedDigest)!;
    const actual = digestOf(bytes, expected.algorithm);
    if (actual !== m.expectedDigest) {
      throw new FerryError(
        'digest-mismatch',
        `The manifest ${m.registry} sent for image "${subject}" does not match the requested digest (it hashes to ${actual}); the registry or a proxy altered it.`,
        { subject },
      );
    }
    digest = m.expectedDigest;
  } else {
    const header = (Array.isArray(m.headerDigest) ? m.headerDigest[0] : m.headerDigest)?.trim();
    const parsed = header ? parseDigest(header) : undefined;
    if (header && parsed && digestOf(bytes, parsed.algorithm) !== header) {
      throw new FerryError(
        'digest-mismatch',
        `The manifest ${m.registry} sent for image "${subject}" hashes to ${digest}, but the registry says its digest is ${header}; the registry or a proxy altered it.`,
        { subject },
      );
    }
  }

  const contentType = bareMediaType(m.contentType);
  const schema1 = (): FerryError =>
    new FerryError(
      'unsupported-manifest',
      `Image "${subject}" uses the deprecated Docker schema 1 format; re-push it with a current client (docker, podman, skopeo or crane).`,
      { subject },
    );
  if (isSchema1MediaType(contentType)) throw schema1();

  let document: unknown;
  try {
    document = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new FerryError('unsupported-manifest', `The manifest of image "${subject}" is not valid JSON.`, { subject });
  }
  if (!document || typeof document !== 'object' || Array.isArray(document)) {
    throw new FerryError('unsupported-manifest', `The manifest of image "${subject}" is not a JSON object.`, { subject });
  }
  const record = document as Record<string, unknown>;
  if (record['schemaVersion'] === 1) throw schema1();

  const mediaType = isGenericMediaType(contentType) ? mediaTypeFromDocument(record) : contentType;
  if (mediaType !== undefined && isSchema1MediaType(mediaType)) throw schema1();
  if (mediaType === undefined || !SUPPORTED_MANIFEST_TYPES.includes(mediaType)) {
    throw new FerryError(
      'unsupported-manifest',
      `Image "${subject}" has a manifest of type ${mediaType ?? 'unknown'}, which is not a container image; Ferry supports OCI and Docker v2 images and indexes.`,
      { subject },
    );
  }
  return { mediaType, digest, bytes };
}
