import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Digest } from './digest.js';
import { pushBlob, pushManifest, type PushTarget } from './push.js';

/** The cosign simple-signing layer media type. */
export const COSIGN_SIMPLESIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
/** The annotation holding a cosign signature (base64). */
export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
/** The OCI empty descriptor's media type and bytes (`{}`). */
export const OCI_EMPTY = { mediaType: 'application/vnd.oci.empty.v1+json', bytes: Buffer.from('{}') } as const;

/** A cosign key pair made with node's crypto; `publicKeyFile` is the PEM public key written to disk. */
export interface CosignKey {
  type: 'ecdsa-p256' | 'ed25519' | 'rsa';
  privateKey: KeyObject;
  publicKeyPem: string;
  publicKeyFile: string;
}

/** Makes a cosign-style key pair (ECDSA P-256, Ed25519 or RSA-2048) and writes its PEM public key to `dir/<name>.pub`. */
export function makeCosignKey(type: CosignKey['type'], dir: string, name: string): CosignKey {
  const pair =
    type === 'ecdsa-p256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : type === 'ed25519'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const publicKeyFile = join(dir, `${name}.pub`);
  writeFileSync(publicKeyFile, publicKeyPem);
  return { type, privateKey: pair.privateKey, publicKeyPem, publicKeyFile };
}

/** The simple-signing payload cosign signs for an image digest (same field order and shape as cosign). */
export function simpleSigningPayload(dockerReference: string, digest: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: { identity: { 'docker-reference': dockerReference }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' },
      optional: null,
    }),
  );
}

/** Signs bytes as cosign does: ECDSA and RSA over SHA-256 (ASN.1 DER / PKCS#1 v1.5), Ed25519 over the bytes themselves. */
export function cosignSignBytes(key: CosignKey, bytes: Buffer): string {
  return sign(key.type === 'ed25519' ? null : 'sha256', bytes, key.privateKey).toString('base64');
}

/** The cosign tag of a digest: `sha256-<hex>.<suffix>`. */
export function cosignTagOf(digest: string, suffix: 'sig' | 'att' | 'sbom'): string {
  return `${digest.replace(':', '-')}.${suffix}`;
}

/** A pushed artifact manifest. */
export interface PushedArtifact {
  /** The tag it was pushed under (cosign tags), absent for referrers pushed by digest. */
  tag?: string;
  digest: string;
  bytes: Buffer;
  /** The artifact's main layer (payload, envelope or SBOM document). */
  layer: Buffer;
}

/** Pushes the layers and a cosign-shaped manifest (OCI image config listing the layers' digests) under `tag`. */
async function pushCosignManifest(target: PushTarget, repo: string, tag: string, layers: { bytes: Buffer; mediaType: string; annotations?: Record<string, string> }[]): Promise<PushedArtifact> {
  const diffIds = layers.map((l) => sha256Digest(l.bytes));
  const config = Buffer.from(
    JSON.stringify({ architecture: '', created: '0001-01-01T00:00:00Z', history: layers.map(() => ({ created: '0001-01-01T00:00:00Z' })), os: '', rootfs: { type: 'layers', diff_ids: diffIds }, config: {} }),
  );
  await pushBlob(target, repo, config);
  for (const l of layers) await pushBlob(target, repo, l.bytes);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: sha256Digest(config) },
      layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.bytes.length, digest: sha256Digest(l.bytes), ...(l.annotations ? { annotations: l.annotations } : {}) })),
    }),
  );
  const digest = await pushManifest(target, repo, tag, manifest, 'application/vnd.oci.image.manifest.v1+json');
  return { tag, digest, bytes: manifest, layer: layers[0]!.bytes };
}

/** Options for {@link cosignSign}. */
export interface CosignSignOptions {
  /** Sign this digest in the payload instead of the image's (a forged signature). */
  payloadDigest?: string;
  /** More signatures already on the image (cosign appends layers to the `.sig` manifest). */
  alsoBy?: CosignKey[];
}

/**
 * Signs an image the way `cosign sign --key` does: a simple-signing payload naming the image digest,
 * signed with the key, pushed as a layer (`application/vnd.dev.cosign.simplesigning.v1+json`, signature in the
 * `dev.cosignproject.cosign/signature` annotation) of a manifest tagged `sha256-<hex>.sig` in the same repository.
 */
export async function cosignSign(target: PushTarget, repo: string, digest: string, dockerReference: string, key: CosignKey, options: CosignSignOptions = {}): Promise<PushedArtifact> {
  const payload = simpleSigningPayload(dockerReference, options.payloadDigest ?? digest);
  const layers = [key, ...(options.alsoBy ?? [])].map((k) => ({
    bytes: payload,
    mediaType: COSIGN_SIMPLESIGNING,
    annotations: { [COSIGN_SIGNATURE_ANNOTATION]: cosignSignBytes(k, payload) },
  }));
  // cosign keeps one layer per distinct payload+signature; identical payload bytes are one blob
  return pushCosignManifest(target, repo, cosignTagOf(digest, 'sig'), layers);
}

/**
 * Pushes an attestation as `cosign attest` does: an in-toto statement about the image in a DSSE envelope
 * (`application/vnd.dsse.envelope.v1+json`, `predicateType` annotation), tagged `sha256-<hex>.att`.
 */
export async function cosignAttest(target: PushTarget, repo: string, digest: string, dockerReference: string, key: CosignKey, predicateType: string, predicate: unknown): Promise<PushedArtifact> {
  const statement = Buffer.from(
    JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', predicateType, subject: [{ name: dockerReference, digest: { sha256: digest.slice('sha256:'.length) } }], predicate }),
  );
  const payloadType = 'application/vnd.in-toto+json';
  const pae = Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${statement.length} ${statement.toString('latin1')}`, 'latin1');
  const envelope = Buffer.from(JSON.stringify({ payloadType, payload: statement.toString('base64'), signatures: [{ keyid: '', sig: cosignSignBytes(key, pae) }] }));
  return pushCosignManifest(target, repo, cosignTagOf(digest, 'att'), [
    { bytes: envelope, mediaType: 'application/vnd.dsse.envelope.v1+json', annotations: { predicateType } },
  ]);
}

/** A small SPDX 2.3 JSON document listing `packages` packages. */
export function makeSpdxSbom(name: string, packages: string[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      spdxVersion: 'SPDX-2.3',
      dataLicense: 'CC0-1.0',
      SPDXID: 'SPDXRef-DOCUMENT',
      name,
      documentNamespace: `https://ferry.test/spdx/${name}`,
      creationInfo: { created: '2026-01-01T00:00:00Z', creators: ['Tool: ferry-test'] },
      packages: packages.map((p, i) => ({ name: p, SPDXID: `SPDXRef-Package-${i}`, versionInfo: '1.0', downloadLocation: 'NOASSERTION' })),
    }),
  );
}

/** Attaches an SBOM as `cosign attach sbom` does: the document as the only layer of a manifest tagged `sha256-<hex>.sbom`. */
export async function cosignAttachSbom(target: PushTarget, repo: string, digest: string, sbom: Buffer, mediaType = 'text/spdx+json'): Promise<PushedArtifact> {
  return pushCosignManifest(target, repo, cosignTagOf(digest, 'sbom'), [{ bytes: sbom, mediaType }]);
}

/**
 * Pushes an OCI 1.1 referrer as `oras attach` does against a registry without the referrers API (distribution 2.8):
 * a manifest with `artifactType` and `subject`, pushed by digest, and the referrers tag schema index
 * `sha256-<hex>` listing it (merged with `previous` descriptors).
 */
export async function pushOciReferrer(
  target: PushTarget,
  repo: string,
  subject: { digest: string; size: number; mediaType: string },
  artifactType: string,
  blob: Buffer,
  previous: Record<string, unknown>[] = [],
): Promise<PushedArtifact & { descriptor: Record<string, unknown> }> {
  await pushBlob(target, repo, OCI_EMPTY.bytes);
  await pushBlob(target, repo, blob);
  const annotations = { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType,
      config: { mediaType: OCI_EMPTY.mediaType, digest: sha256Digest(OCI_EMPTY.bytes), size: 2 },
      layers: [{ mediaType: artifactType, digest: sha256Digest(blob), size: blob.length }],
      subject,
      annotations,
    }),
  );
  const digest = await pushManifest(target, repo, sha256Digest(manifest), manifest, 'application/vnd.oci.image.manifest.v1+json');
  const descriptor = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: manifest.length, artifactType, annotations };
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [...previous, descriptor] }));
  await pushManifest(target, repo, subject.digest.replace(':', '-'), index, 'application/vnd.oci.image.index.v1+json');
  return { digest, bytes: manifest, layer: blob, descriptor };
}
