import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { parseStrictJson } from '../util/parse-strict-json.js';
import { readFile } from 'node:fs/promises';
import type { BundleManifest, ImageRecord } from '../../../shared/bundle-manifest.js';
import type { CosignImageCheck, CosignReport } from '../../../shared/verify-report.js';
import type { BundleArchive } from '../bundle/bundle-archive.js';
import { FerryError } from '../errors/ferry-error.js';
import type { Descriptor } from '../oci/descriptor.js';
import { digestOf } from '../oci/digest.js';
import { isIndexMediaType } from '../oci/media-types.js';
import { parseManifest } from '../oci/parse-manifest.js';
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
 * Checks, offline, the cosign simple-signing signatures carried for every image (`.sig` tags): each signature
 * layer's payload must name the signed digest (`critical.image.docker-manifest-digest`) and its
 * `dev.cosignproject.cosign/signature` must verify with one of the keys. An image is signed when a signature names
 * its carried digest; when platforms were filtered, also when one names the published index and the carried copy
 * of that index lists every carried platform manifest, or when every carried platform manifest has its own
 * (`cosign sign --recursive`). `ok` when every image is signed.
 */
export async function verifyCosignSignatures(manifest: BundleManifest, archive: BundleArchive, keys: CosignPublicKey[]): Promise<CosignReport> {
  const images: CosignImageCheck[] = [];
  for (const image of manifest.images) images.push(await checkImage(image, archive, keys));
  return { ok: images.every((i) => i.verdict === 'signed-by-key'), keys: keys.map((k) => ({ file: k.file, type: k.type })), images };
}

/** The signatures carried for one subject digest, checked. */
interface SubjectSignatures {
  /** Simple-signing layers seen. */
  signatures: number;
  /** The first key a valid signature naming the subject verifies with. */
  key?: CosignPublicKey;
  problems: string[];
}

/** A platform manifest the carried image lists, with its platform as a comparable string. */
interface CarriedEntry {
  digest: string;
  platform: string;
}

async function checkImage(image: ImageRecord, archive: BundleArchive, keys: CosignPublicKey[]): Promise<CosignImageCheck> {
  const base = { image: image.reference, digest: image.digest };
  const checked = new Map<string, SubjectSignatures>();
  const signedBy = async (subject: string): Promise<SubjectSignatures> => {
    if (!checked.has(subject)) checked.set(subject, await checkSubject(image, subject, archive, keys));
    return checked.get(subject)!;
  };
  const totals = (): { signatures: number; problems: string[] } => ({
    signatures: [...checked.values()].reduce((n, c) => n + c.signatures, 0),
    problems: [...checked.values()].flatMap((c) => c.problems),
  });
  const direct = await signedBy(image.digest);
  if (direct.key) return { ...base, verdict: 'signed-by-key', key: direct.key.file, signatures: direct.signatures, via: 'digest' };
  if (image.digest === image.originalDigest) return notSigned(base, totals().signatures, totals().problems);

  // platforms filtered: the carried index (or manifest) is not what the publisher signed
  const carried = await carriedEntries(image, archive);
  if (typeof carried === 'string') return { ...base, verdict: 'bad-signature', signatures: totals().signatures, problem: `${image.reference}: ${carried}.` };
  const published = await signedBy(image.originalDigest);
  const notes: string[] = [];
  if (published.key) {
    const evidence = await checkPublishedIndex(image, archive, carried);
    const named = `a signature by ${published.key.file} names the published index ${image.originalDigest}`;
    if (evidence.tampered) return { ...base, verdict: 'bad-signature', signatures: totals().signatures, problem: `${image.reference}: ${named}, but ${evidence.tampered}.` };
    if (evidence.published !== undefined) {
      return {
        ...base,
        verdict: 'signed-by-key',
        key: published.key.file,
        signatures: totals().signatures,
        via: 'published-index',
        signedDigest: image.originalDigest,
        platforms: { carried: new Set(carried.map((c) => c.digest)).size, published: evidence.published },
      };
    }
    notes.push(`${named}, but ${evidence.missing ?? 'the bundle does not carry that index'}`);
  }
  const each = await Promise.all([...new Set(carried.map((c) => c.digest))].map(async (digest) => ({ digest, checked: await signedBy(digest) })));
  const unsigned = each.filter((e) => !e.checked.key);
  if (each.length > 0 && unsigned.length === 0) {
    return { ...base, verdict: 'signed-by-key', key: each[0]!.checked.key!.file, signatures: totals().signatures, via: 'platform-manifests', platforms: { carried: each.length } };
  }
  if (unsigned.length < each.length) notes.push(`only ${each.length - unsigned.length} of ${each.length} carried platform manifests have a signature by the key (${unsigned.map((u) => u.digest).join(', ')} ${unsigned.length === 1 ? 'has' : 'have'} none)`);
  const { signatures, problems } = totals();
  return notSigned(base, signatures, problems, notes);
}

/** `unsigned` when no signature was seen at all, else `bad-signature` with every problem found (notes explain an unsigned verdict). */
function notSigned(base: { image: string; digest: string }, signatures: number, problems: string[], notes: string[] = []): CosignImageCheck {
  if (problems.length === 0) return { ...base, verdict: 'unsigned', signatures, ...(notes.length ? { problem: `${notes.join('; ')}.` } : {}) };
  return { ...base, verdict: 'bad-signature', signatures, problem: `${[...problems, ...notes].join('; ')}.` };
}

/** Checks the `.sig` signatures carried for `subject`: the first valid one by a key that names `subject`, and what is wrong with the others. */
async function checkSubject(image: ImageRecord, subject: string, archive: BundleArchive, keys: CosignPublicKey[]): Promise<SubjectSignatures> {
  const sigs = (image.referrers ?? []).filter((r) => r.kind === 'signature' && r.subject === subject);
  const problems: string[] = [];
  const which = subject === image.digest ? "the image's digest" : subject === image.originalDigest ? `the published index ${subject}` : subject;
  let signatures = 0;
  for (const sig of sigs) {
    if (!archive.has(sig.digest)) {
      problems.push(`signature manifest ${sig.digest} is not in the archive`);
      continue;
    }
    let doc: ManifestJson;
    try {
      doc = parseStrictJson(await archive.readBlob(sig.digest)) as ManifestJson;
    } catch (error) {
      problems.push(`signature manifest ${sig.digest} cannot be read: ${(error as Error).message}`);
      continue;
    }
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
        // strict: a payload naming the digest twice (one for each reader) is no signature
        named = (parseStrictJson(payload) as { critical?: { image?: { 'docker-manifest-digest'?: unknown } } }).critical?.image?.['docker-manifest-digest'];
      } catch {
        problems.push(`payload ${layer.digest} is not JSON`);
        continue;
      }
      const key = keys.find((k) => cosignSignatureValid(k, payload, signature));
      if (!key) {
        problems.push(`a signature does not verify with ${keys.length === 1 ? 'the key' : 'any of the keys'}`);
        continue;
      }
      if (named !== subject) {
        problems.push(`a signature by ${key.file} names ${String(named)}, not ${which}`);
        continue;
      }
      return { signatures, key, problems };
    }
  }
  return { signatures, problems };
}

/** The platform manifests the carried image lists (its carried index's children, else itself), or why they cannot be read. */
async function carriedEntries(image: ImageRecord, archive: BundleArchive): Promise<CarriedEntry[] | string> {
  const recorded = new Map(image.manifests.map((m) => [m.digest, m.platform ? platformKey(m.platform) : '']));
  const entries: CarriedEntry[] = [];
  if (!isIndexMediaType(image.mediaType)) {
    entries.push({ digest: image.digest, platform: recorded.get(image.digest) ?? '' });
  } else {
    if (!archive.has(image.digest)) return `the carried index ${image.digest} is not in the archive`;
    const bytes = await archive.readBlob(image.digest);
    if (digestOf(bytes) !== image.digest) return `the carried index ${image.digest} hashes to ${digestOf(bytes)}`;
    let doc: ReturnType<typeof parseManifest>;
    try {
      doc = parseManifest(bytes, image.mediaType, `${image.reference}@${image.digest}`);
    } catch (error) {
      return `the carried index ${image.digest} cannot be read: ${(error as Error).message}`;
    }
    if (doc.kind !== 'index') return `the carried index ${image.digest} is not an index`;
    for (const d of doc.manifests) entries.push({ digest: d.digest, platform: d.platform ? descriptorPlatformKey(d.platform) : '' });
  }
  // bundle.json's records too, as reviewers read them (a platform they give must match the published one)
  for (const [digest, platform] of recorded) if (!entries.some((e) => e.digest === digest && e.platform === platform)) entries.push({ digest, platform });
  return entries;
}

/**
 * Ties the carried platform manifests to the published index a signature names: the carried copy of that index must
 * hash to `originalDigest` and list every carried platform manifest with the same platform. `published` (its
 * platform count) when it holds; `tampered` when the evidence contradicts; `missing` when there is none.
 */
async function checkPublishedIndex(image: ImageRecord, archive: BundleArchive, carried: CarriedEntry[]): Promise<{ published?: number; tampered?: string; missing?: string }> {
  const original = image.originalManifest;
  if (!original) return { missing: 'the bundle does not carry that index (made without it), so the carried platforms cannot be tied to it' };
  if (original.digest !== image.originalDigest) return { tampered: `bundle.json records the carried published index as ${original.digest}` };
  if (!archive.has(original.digest)) return { tampered: `the archive does not hold that index` };
  const bytes = await archive.readBlob(original.digest);
  const actual = digestOf(bytes);
  if (actual !== image.originalDigest) return { tampered: `the carried copy of that index hashes to ${actual}` };
  let doc: ReturnType<typeof parseManifest>;
  try {
    doc = parseManifest(bytes, original.mediaType, `${image.reference}@${original.digest}`);
  } catch (error) {
    return { tampered: `the carried copy of that index cannot be read: ${(error as Error).message}` };
  }
  if (doc.kind !== 'index') return { tampered: 'the carried copy of that index is not an index' };
  const listed = new Map(doc.manifests.map((d) => [d.digest, d.platform ? descriptorPlatformKey(d.platform) : '']));
  for (const c of carried) {
    const platform = listed.get(c.digest);
    if (platform === undefined) return { tampered: `the carried image lists ${c.digest}, which that index does not` };
    if (c.platform && platform !== c.platform) return { tampered: `the carried image lists ${c.digest} as ${c.platform}, that index as ${platform || 'no platform'}` };
  }
  return { published: doc.manifests.length };
}

/** A bundle.json platform as `os/arch[/variant][:osVersion]`. */
function platformKey(p: { os: string; architecture: string; variant?: string | undefined; osVersion?: string | undefined }): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}${p.osVersion ? `:${p.osVersion}` : ''}`;
}

/** An index descriptor's platform as `os/arch[/variant][:osVersion]`. */
function descriptorPlatformKey(p: NonNullable<Descriptor['platform']>): string {
  return platformKey({ os: p.os, architecture: p.architecture, variant: p.variant, osVersion: p['os.version'] });
}

/** How a signed verdict was reached, for people: `the published index; 1 of 3 platforms carried`, or '' when direct. */
export function describeCosignVia(check: CosignImageCheck): string {
  if (check.verdict !== 'signed-by-key' || !check.via || check.via === 'digest') return '';
  const p = check.platforms;
  if (check.via === 'published-index') return `the published index${check.signedDigest ? ` ${check.signedDigest.slice(0, 19)}…` : ''}${p?.published !== undefined ? `; ${p.carried} of ${p.published} platforms carried` : ''}`;
  return `each carried platform manifest${p ? ` (${p.carried})` : ''}`;
}
