/**
 * What `ferry verify` finds: integrity faults, signature checks and policy violations, all
 * together, in a form that crosses IPC and prints as `--json`.
 */

import type { ErrorHint } from './errors.js';

/** The kinds of integrity fault; each fault also names the file, part and blob at fault. */
export type IntegrityFaultKind =
  | 'missing-file'
  | 'unreadable'
  | 'size'
  | 'checksum'
  | 'stray-part'
  | 'inconsistent-volumes'
  | 'archive-structure'
  | 'blob-missing'
  | 'blob-size'
  | 'blob-digest'
  | 'blob-unexpected'
  | 'reference-missing'
  | 'metadata';

/** One thing wrong with a bundle's bytes. */
export interface IntegrityFault {
  kind: IntegrityFaultKind;
  /** One sentence naming the part, the blob and what is wrong. */
  message: string;
  /** The file at fault (`bundle.tar.002`, `SHA256SUMS`, `index.json`…). */
  file?: string;
  /** The archive part holding the fault, when it lies inside the archive. */
  part?: string;
  /** The blob at fault (`sha256:…`). */
  blob?: string;
  /** The folder (volume) holding the file at fault. */
  dir?: string;
  /** The check that found it. */
  check?: IntegrityCheckId;
  /** A missing part: where the opened volumes' own files (SHA256SUMS, README.txt) say it is; absent when none says. */
  holder?: PartHolder;
}

/** Where a missing part is, as the volumes of a set written by `ferry write` say. */
export interface PartHolder {
  /** The volume (1-based) of the set that holds it, and how many the set has. */
  volume?: number;
  volumes?: number;
  /** An opened folder that should hold it (its SHA256SUMS or README.txt lists it here): it was lost from there. */
  dir?: string;
}

/** The checks of an integrity verification, in the order they are reported. */
export type IntegrityCheckId = 'bundle-json' | 'sha256sums' | 'parts' | 'blobs' | 'structure';

/** One check as run: whether it passed, and what it covered or why it could not run. */
export interface IntegrityCheck {
  id: IntegrityCheckId;
  ok: boolean;
  /** Not run, because what it reads is missing or unusable (the faults say why). */
  skipped?: boolean;
  /** One line: what was checked and the outcome (`5 parts, 12.6 MB: all intact`). */
  summary: string;
}

/** What parity can do for a damaged bundle (`ferry repair`). */
export interface RepairAdvice {
  /** Data and parity parts missing or damaged. */
  lost: string[];
  /** How many lost parts parity can rebuild (0 when too many are lost). */
  rebuildable: number;
  /** One sentence: what to run, or why repair cannot help. */
  message: string;
}

/** One blob a delta does not carry because the offline side holds it (`bundle.json` `delta.omitted`). */
export interface HeldOfflineBlob {
  digest: string;
  size: number;
  mediaType: string;
  /** The repository offline that holds it, as recorded when the delta was made. */
  repository?: string;
  /** The images (references) whose manifests reference it. */
  images: string[];
}

/** What a delta bundle relies on: blobs it does not carry, held offline (not faults). */
export interface ReliesOnReport {
  count: number;
  bytes: number;
  /** What the delta was made against, one line each (`bundle 1b2c…`, `inventory sha256:…`). */
  against: string[];
  blobs?: HeldOfflineBlob[];
}

/** The integrity half of a verification. */
export interface IntegrityReport {
  ok: boolean;
  bundleId?: string;
  /** Folders read (the bundle folder, or each volume of a multi-volume set). */
  dirs: string[];
  /** Archive files found and where (part name → folder). */
  parts: { name: string; dir: string; size: number; sha256?: string; ok: boolean }[];
  blobsChecked: number;
  bytesChecked: number;
  faults: IntegrityFault[];
  /** Each check with its outcome, for a line per check. */
  checks?: IntegrityCheck[];
  /** Present when parts are lost or damaged and the bundle has parity parts. */
  repair?: RepairAdvice;
  /** Present for a delta (`ferry bundle --have`): the blobs it relies on, held offline; referencing them is not a fault. */
  reliesOn?: ReliesOnReport;
}

/** A blob a delta relies on that the target registry does not hold (`ferry verify --against`). */
export interface MissingBaseBlob {
  digest: string;
  size: number;
  /** The images (references) that need it. */
  images: string[];
  /** The repositories of the target asked for it, in order. */
  repositories: string[];
  /** One sentence naming the blob, the images that need it and where it was looked for. */
  message: string;
}

/** Whether the target holds everything a delta relies on (`ferry verify --against HOST[:PORT][/PREFIX]`). */
export interface AgainstReport {
  ok: boolean;
  /** The target as given (`registry.local:5000/mirror`). */
  target: string;
  /** Blobs the delta relies on, each looked for with `HEAD`. */
  checked: number;
  present: number;
  missing: MissingBaseBlob[];
  /** Why the check could not be made (the registry unreachable, no valid bundle.json); then ok is false. */
  problem?: string;
}

/** The role a signature plays: the preparer signs when bundling, approvers countersign. */
export type SignatureRole = 'preparer' | 'approver';

/** One signature found in `signatures/`, as checked. */
export interface SignatureCheck {
  file: string;
  /** The role the document claims; `unknown` when the file cannot be read as a signature. */
  role: SignatureRole | 'unknown';
  /** The full key id (sha256 hex of the raw public key); empty when the file cannot be read. */
  keyId: string;
  created?: string;
  /** The signature verifies against its key and binds this bundle's id and `bundle.json` hash. */
  valid: boolean;
  /** The key is one of the trusted keys given. */
  trusted: boolean;
  /** The trusted key file it matched, when trusted. */
  trustedKey?: string;
  /** Why it is not valid, when it is not. */
  problem?: string;
  /** The volumes (folders) this exact signature file was found on, when several were read. */
  volumes?: string[];
}

/** The trust half of a verification. */
export interface TrustReport {
  ok: boolean;
  signatures: SignatureCheck[];
  /** The trusted keys checked against (file and full key id). */
  trustedKeys?: { file: string; keyId: string }[];
  /** Whether an approval by a second trusted key was required. */
  requireApproval?: boolean;
  /** What trust requirement is unmet, one sentence each ("no signature by a trusted key", …). */
  problems: string[];
  /** Not failures, worth fixing: the volumes of a set disagree (a signature on some volumes only). */
  warnings?: string[];
}

/** One rule of a policy that a bundle breaks. */
export interface PolicyViolation {
  /** The policy rule (`allowedRegistries`, `forbiddenTags`, …). */
  rule: string;
  message: string;
  /** The image or thing at fault. */
  subject?: string;
  /** What the user can do, worded by each surface (shared/errors.ts `ErrorHint`). */
  hint?: ErrorHint;
}

/** The policy half of a verification. */
export interface PolicyReport {
  ok: boolean;
  /** The policy file checked against. */
  file: string;
  violations: PolicyViolation[];
}

/** A carried image's cosign signature verdict: a valid signature by one of the keys, none at all, or only bad ones. */
export type CosignVerdict = 'signed-by-key' | 'unsigned' | 'bad-signature';

/** One carried image's cosign signatures, checked offline against the given public keys. */
export interface CosignImageCheck {
  /** The image's reference as carried. */
  image: string;
  /** The top-level digest cosign signs. */
  digest: string;
  verdict: CosignVerdict;
  /** The key file whose signature verified (signed-by-key). */
  key?: string;
  /** How many simple-signing signatures the `.sig` manifest holds. */
  signatures: number;
  /** Why the signatures are bad (bad-signature), one sentence. */
  problem?: string;
  /**
   * How a signed-by-key verdict was reached: a signature over the carried digest itself (`digest`); over the
   * published index whose carried copy lists every carried platform manifest (`published-index`, platforms
   * filtered); or over every carried platform manifest (`platform-manifests`, cosign sign --recursive).
   */
  via?: CosignVia;
  /** The digest the deciding signature names, when it is not the carried digest (the published index's). */
  signedDigest?: string;
  /** Platform manifests carried and published (platforms filtered; `published` known from the carried published index). */
  platforms?: { carried: number; published?: number };
}

/** Which signed digest vouches for a carried image (see {@link CosignImageCheck.via}). */
export type CosignVia = 'digest' | 'published-index' | 'platform-manifests';

/** The cosign half of a verification (`ferry verify --cosign-key`). */
export interface CosignReport {
  /** Every carried image has a valid signature by one of the keys. */
  ok: boolean;
  /** The public keys checked against (file and key type). */
  keys: { file: string; type: string }[];
  images: CosignImageCheck[];
}

/** Everything `ferry verify` reports. */
export interface VerifyReport {
  ok: boolean;
  integrity: IntegrityReport;
  trust?: TrustReport;
  policy?: PolicyReport;
  /** Cosign signatures of the carried images, when keys were given. */
  cosign?: CosignReport;
  /** What a delta relies on, looked for in a target registry (`--against`). */
  against?: AgainstReport;
}
