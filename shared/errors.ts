/** Machine-readable error codes shared by the engine, the CLI and the app. */
export type ErrorCode =
  | 'bad-usage'
  | 'bad-reference'
  | 'bad-platform'
  | 'platform-not-found'
  | 'not-found'
  | 'unauthorized'
  | 'denied'
  | 'unsupported-manifest'
  | 'manifest-too-large'
  | 'digest-mismatch'
  | 'size-mismatch'
  | 'network'
  | 'tls'
  | 'timeout'
  | 'registry-error'
  | 'output-exists'
  | 'io'
  | 'bad-bundle'
  | 'credentials'
  | 'damaged'
  | 'untrusted'
  | 'policy-violation'
  | 'no-space'
  | 'bad-key'
  | 'media'
  | 'cancelled'
  | 'unsupported'
  | 'internal';

/**
 * What the user can do about an error, named once by the engine and worded by each surface its own way: the CLI names
 * its flags, the app names its fields and buttons (one table per surface). The engine's message says what happened and
 * never names a CLI flag; the surface adds the advice.
 */
export const ERROR_HINTS = [
  /** The registry's certificate is signed by a private CA: give that CA's PEM file. */
  'private-ca',
  /** The registry is reached over plain HTTP or TLS that is not checked: allow it for that host. */
  'insecure-registry',
  /** Both of the above apply (a TLS failure): a CA file, or allowing the host as it is. */
  'tls-trust',
  /** A login (user name and password or token) for the registry is needed or was refused. */
  'log-in',
  /** Foreign (non-distributable) layers are not carried: carry them too. */
  'include-foreign-layers',
  /** Signatures, SBOMs and attestations were not carried: carry them too. */
  'referrers',
  /** The bundle has no valid preparer signature: the preparer signs first. */
  'sign-as-preparer',
  /** An inventory is not signed: sign it on the offline side. */
  'sign-inventory',
  /** A part is missing or damaged and parity can rebuild it. */
  'repair',
  /** A part is missing: bring (or open too) the volume that holds it. */
  'other-volume',
  /** Cosign signatures were not checked: give the cosign public keys. */
  'cosign-key',
  /** The output folder already holds a bundle: choose another folder or replace it. */
  'replace-existing',
  /** The archive would do better in smaller parts: split it when bundling. */
  'split',
  /** A delta needs the earlier bundles it was made against (or a registry that holds their blobs): give them too. */
  'base-bundles',
  /** A target volume holds another bundle's files: clear it, or replace them. */
  'replace-media',
  /** A target does not say how much room it has (or two share one volume): say how much of each to use. */
  'capacity',
  /** A part of the bundle is too big for the media: split the bundle into smaller parts first. */
  'resplit',
  /** A registry sent too slowly and was cut: check the network, or relax the minimum rate. */
  'low-speed',
  /** A chart repository needs a login. */
  'chart-login',
  /** containerd's client is missing: write to a k3s/k0s images folder instead. */
  'images-folder',
  /** A delta's base is missing from the target: make the delta again against a fresh inventory of it. */
  'fresh-inventory',
] as const;

/** One of {@link ERROR_HINTS}. */
export type ErrorHint = (typeof ERROR_HINTS)[number];

/** An error as it crosses a process or IPC boundary: a code, a human sentence, and what it is about. */
export interface SerializedError {
  code: ErrorCode;
  /** One sentence a user can act on; never holds credentials. */
  message: string;
  /** The thing at fault: an image reference, a file, a registry host. */
  subject?: string;
  /** What the user can do, worded by each surface (CLI flags, the app's fields and buttons). */
  hint?: ErrorHint;
}

/**
 * The registry an error's subject names, as Docker reads a reference: the part before the first `/` when it looks
 * like a host (a dot, a port or `localhost`), docker.io for other references, the subject itself when it is only a
 * host. For the surfaces' advice ("allow HOST"); undefined when the subject names none.
 */
export function registryOfSubject(subject: string | undefined): string | undefined {
  if (subject === undefined || subject === '') return undefined;
  const slash = subject.indexOf('/');
  if (slash < 0) return /^[\w-]+(\.[\w-]+)*(:\d+)?$/.test(subject) && /[.:]|^localhost$/.test(subject) ? subject : undefined;
  const first = subject.slice(0, slash);
  return /[.:]/.test(first) || first === 'localhost' ? first : 'docker.io';
}
