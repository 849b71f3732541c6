import type { ReferrerRecord } from '../../../shared/bundle-manifest.js';

/** The layer media type of a cosign simple-signing signature. */
export const COSIGN_SIGNATURE_LAYER = 'application/vnd.dev.cosign.simplesigning.v1+json';
/** The layer media type of a DSSE envelope (cosign attestations). */
export const DSSE_ENVELOPE_LAYER = 'application/vnd.dsse.envelope.v1+json';

/**
 * What a referrer is, from its cosign tag suffix, else its artifact type, else its layers' media
 * types: a signature, an attestation (in-toto / DSSE), an SBOM (SPDX, CycloneDX) or other.
 */
export function referrerKind(tag: string | undefined, artifactType: string | undefined, layers: { mediaType: string }[]): ReferrerRecord['kind'] {
  if (tag?.endsWith('.sig')) return 'signature';
  if (tag?.endsWith('.att')) return 'attestation';
  if (tag?.endsWith('.sbom')) return 'sbom';
  const types = [artifactType ?? '', ...layers.map((l) => l.mediaType)].map((t) => t.toLowerCase());
  if (types.some((t) => t.includes('spdx') || t.includes('cyclonedx') || t.includes('syft'))) return 'sbom';
  if (types.some((t) => t.includes('dsse') || t.includes('in-toto'))) return 'attestation';
  if (types.some((t) => t.includes('cosign') || t.includes('sigstore') || t.includes('notary') || t.includes('signature'))) return 'signature';
  return 'other';
}
