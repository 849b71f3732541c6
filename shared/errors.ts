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
