import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { BundleManifest, ImageRecord } from '../../../shared/bundle-manifest.js';
import type { CosignImageCheck, CosignReport } from '../../../shared/verify-report.js';
import type { BundleArchive } from '../bundle/bundle-archive.js';
import { FerryError } from '../errors/ferry-error.js';
import { COSIGN_SIGNATURE_LAYER } from './referrer-kind.js';

/** The annotation of a simple-signing layer that holds the base64 signature. */
export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';

/** A cosign public key read from a PEM file. */
export interface CosignPublicKey {
  file: string;
  /** `ecdsa-p256`, `ed25519` or `rsa`. */
  type: string;
  key: KeyObject;
}

/** Reads cosign public keys (PEM: ECDSA P-256, Ed25519 or RSA); a file that is none of these fails with `bad-usage`. */
export async function loadCosignKeys(files: string[]): Promise<CosignPublicKey[]> {
  return Promise.all(
    files.map(async (file) => {
      let key: KeyObject;
      try {
        key = createPublicKey(await readFile(file, 'utf8'));
      } catch (error) {
        throw new FerryError('bad-usage', `Cosign key ${file} cannot be read as a PEM public key: ${(error as Error).message}.`, { subject: file });
      }
      const kind = key.asymmetricKeyType;
      if (kind === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { file, type: 'ecdsa-p256', key };
      if (kind === 'ed25519') return { file, type: 'ed25519', key };
      if (kind === 'rsa') return { file, type: 'rsa', key };
      throw new FerryError('bad-usage', `Cosign key ${file} is a ${kind ?? 'unknown'} key${kind === 'ec' ? ` on ${key.asymmetricKeyDetails?.namedCurve ?? '?'}` : ''}; Ferry checks ECDSA P-256, Ed25519 and RSA keys.`, { subject: file });
    }),
  );
}

/** Whether `signature` (base64) over `payload` verifies with a cosign key: ECDSA/RSA over SHA-256, Ed25519 over the bytes. */
export function cosignSignatureValid(key: CosignPublicKey, payload: Buffer, signature: string): boolean {
  try {
    return verify(key.type === 'ed25519' ? null : 'sha256', payload, key.key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

interface ManifestJson {
  layers?: { mediaType?: string; digest?: string; annotations?: Record<string, string> }[];
}

/**
 * Checks, offline, the cosign simple-signing signatures carried for every image (its `.sig` tag of the top-level
 * digest): each signature layer's payload must name the image's digest (`critical.image.docker-manifest-digest`)
 * and its `dev.cosignproject.cosign/signature` must verify with one of the keys. `ok` when every image is signed.
 */
export async function verifyCosignSignatures(manifest: BundleManifest, archive: BundleArchive, keys: CosignPublicKey[]): Promise<CosignReport> {
  const images: CosignImageCheck[] = [];
  for (const image of manifest.images) images.push(await checkImage(image, archive, keys));
  return { ok: images.every((i) => i.verdict === 'signed-by-key'), keys: keys.map((k) => ({ file: k.file, type: k.type })), images };
}

async function checkImage(image: ImageRecord, archive: BundleArchive, keys: CosignPublicKey[]): Promise<CosignImageCheck> {
  const base = { image: image.reference, digest: image.digest };
  const sigs = (image.referrers ?? []).filter((r) => r.kind === 'signature' && r.subject === image.digest);
  const problems: string[] = [];
  let signatures = 0;
  for (const sig of sigs) {
    if (!archive.has(sig.digest)) {
      problems.push(`signature manifest ${sig.digest} is not in the archive`);
      continue;
    }
    const doc = JSON.parse((await archive.readBlob(sig.digest)).toString('utf8')) as ManifestJson;
    for (const layer of doc.layers ?? []) {
      if (layer.mediaType !== COSIGN_SIGNATURE_LAYER || !layer.digest) continue;
      signatures++;
      const signature = layer.annotations?.[COSIGN_SIGNATURE_ANNOTATION];
      if (!signature) {
        problems.push(`signature layer ${layer.digest} has no ${COSIGN_SIGNATURE_ANNOTATION} annotation`);
        continue;
      }
      if (!archive.has(layer.digest)) {
        problems.push(`payload ${layer.digest} is not in the archive`);
        continue;
      }
      const payload = await archive.readBlob(layer.digest);
      let named: unknown;
      try {
        named = (JSON.parse(payload.toString('utf8')) as { critical?: { image?: { 'docker-manifest-digest'?: unknown } } }).critical?.image?.['docker-manifest-digest'];
      } catch {
        problems.push(`payload ${layer.digest} is not JSON`);
        continue;
      }
      const key = keys.find((k) => cosignSignatureValid(k, payload, signature));
      if (!key) {
        problems.push(`a signature does not verify with ${keys.length === 1 ? 'the key' : 'any of the keys'}`);
        continue;
      }
      if (named !== image.digest) {
        problems.push(`a signature by ${key.file} names ${String(named)}, not the image's digest`);
        continue;
      }
      return { ...base, verdict: 'signed-by-key', key: key.file, signatures };
    }
  }
  if (signatures === 0 && problems.length === 0) return { ...base, verdict: 'unsigned', signatures: 0 };
  return { ...base, verdict: 'bad-signature', signatures, problem: `${problems.join('; ')}.` };
}
