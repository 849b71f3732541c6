import type { BundleManifest, ReferrerRecord } from '../../../shared/bundle-manifest.js';
import { parseStrictJson } from '../util/parse-strict-json.js';
import type { BundleArchive } from '../bundle/bundle-archive.js';
import { DSSE_ENVELOPE_LAYER } from './referrer-kind.js';

/** What a carried SBOM or attestation is, read from its blobs. */
export interface ArtifactSummary {
  digest: string;
  kind: ReferrerRecord['kind'];
  /** SBOM format (`SPDX-2.3`, `CycloneDX 1.5`), when it is an SBOM Ferry can read. */
  format?: string;
  /** How many packages (SPDX) or components (CycloneDX) the SBOM lists. */
  packages?: number;
  /** The in-toto statement's predicate type (attestations). */
  predicateType?: string;
  /** One line for people: `SPDX-2.3, 3 packages`, `attestation https://slsa.dev/provenance/v0.2`. */
  detail: string;
}

const MAX_DOCUMENT = 16 * 1024 * 1024;

interface ManifestJson {
  layers?: { mediaType?: string; digest?: string; size?: number; annotations?: Record<string, string> }[];
}

/** An SBOM document's format and package count, or undefined when it is neither SPDX nor CycloneDX JSON. */
export function sbomFacts(document: unknown): { format: string; packages: number } | undefined {
  if (!document || typeof document !== 'object') return undefined;
  const d = document as { spdxVersion?: unknown; packages?: unknown; bomFormat?: unknown; specVersion?: unknown; components?: unknown };
  if (typeof d.spdxVersion === 'string') return { format: d.spdxVersion, packages: Array.isArray(d.packages) ? d.packages.length : 0 };
  if (d.bomFormat === 'CycloneDX') return { format: `CycloneDX ${typeof d.specVersion === 'string' ? d.specVersion : ''}`.trim(), packages: Array.isArray(d.components) ? d.components.length : 0 };
  return undefined;
}

/**
 * Reads every carried SBOM and attestation of a bundle from its archive: for an SBOM (cosign `.sbom` tag or OCI
 * referrer) the layer is the document (SPDX or CycloneDX JSON: format and package count); for an attestation the
 * DSSE envelope's in-toto statement gives the predicate type (and, for an SBOM predicate, its facts too).
 * Keyed by image reference. Unreadable artifacts are summarized by what bundle.json says.
 */
export async function summarizeArtifacts(manifest: BundleManifest, archive: BundleArchive): Promise<Map<string, ArtifactSummary[]>> {
  const out = new Map<string, ArtifactSummary[]>();
  for (const image of manifest.images) {
    const list: ArtifactSummary[] = [];
    for (const r of image.referrers ?? []) {
      if (r.kind !== 'sbom' && r.kind !== 'attestation') continue;
      list.push(await summarize(r, archive));
    }
    out.set(image.reference, list);
  }
  return out;
}

async function summarize(r: ReferrerRecord, archive: BundleArchive): Promise<ArtifactSummary> {
  const base = { digest: r.digest, kind: r.kind };
  const fallback = { ...base, detail: r.artifactType ?? r.kind };
  const json = async (digest: string | undefined, size: number | undefined): Promise<unknown> => {
    if (!digest || !archive.has(digest) || (size ?? 0) > MAX_DOCUMENT) return undefined;
    try {
      return parseStrictJson(await archive.readBlob(digest));
    } catch {
      return undefined;
    }
  };
  const doc = (await json(r.digest, r.size)) as ManifestJson | undefined;
  for (const layer of doc?.layers ?? []) {
    if (r.kind === 'attestation' || layer.mediaType === DSSE_ENVELOPE_LAYER) {
      const envelope = (await json(layer.digest, layer.size)) as { payload?: unknown } | undefined;
      let statement: { predicateType?: unknown; predicate?: unknown } | undefined;
      try {
        statement = typeof envelope?.payload === 'string' ? (parseStrictJson(Buffer.from(envelope.payload, 'base64')) as typeof statement) : undefined;
      } catch {
        statement = undefined;
      }
      const predicateType = typeof statement?.predicateType === 'string' ? statement.predicateType : layer.annotations?.predicateType;
      if (!predicateType) continue;
      const facts = sbomFacts(statement?.predicate);
      return { ...base, predicateType, ...(facts ?? {}), detail: `attestation ${predicateType}${facts ? ` (${facts.format}, ${facts.packages} packages)` : ''}` };
    }
    const facts = sbomFacts(await json(layer.digest, layer.size));
    if (facts) return { ...base, ...facts, detail: `${facts.format}, ${facts.packages} package${facts.packages === 1 ? '' : 's'}` };
  }
  return fallback;
}
