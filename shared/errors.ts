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

/** An error as it crosses a process or IPC boundary: a code, a human sentence, and what it is about. */
export interface SerializedError {
  code: ErrorCode;
  /** One sentence a user can act on; never holds credentials. */
  message: string;
  /** The thing at fault: an image reference, a file, a registry host. */
  subject?: string;
}
