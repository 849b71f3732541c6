/** The cosign tag suffixes Ferry looks for, with the kind each carries. */
export const COSIGN_SUFFIXES = ['sig', 'att', 'sbom'] as const;

/** A cosign tag suffix. */
export type CosignSuffix = (typeof COSIGN_SUFFIXES)[number];

/** The cosign tag of a subject digest: `sha256:abc…` + `sig` → `sha256-abc….sig`. */
export function cosignTag(subject: string, suffix: CosignSuffix): string {
  return `${tagSchemaTag(subject)}.${suffix}`;
}

/** The OCI referrers tag schema tag of a subject digest: `sha256:abc…` → `sha256-abc…`. */
export function tagSchemaTag(subject: string): string {
  return subject.replace(':', '-');
}
