/** The registry client's public surface. */
export { RegistryClient, type BlobDescriptor, type FetchedManifest, type RegistryClientOptions } from './registry-client.js';
export { chainCredentials, defaultCredentialResolver, staticCredentials, type Credential, type CredentialResolver } from './credentials.js';
export {
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_INDEX,
  OCI_MANIFEST,
  SUPPORTED_MANIFEST_TYPES,
} from './manifest-media-types.js';
export { pushBlob, blobExists, DEFAULT_CHUNK_SIZE, type BlobPushOutcome, type PushBlobOptions } from './blob-upload.js';
export { pushManifest, manifestExists, taggedDigest, type PushManifestOptions } from './push-manifest.js';
export { RegistryClientPool, registryOptionsKey, type RegistryClientPoolOptions } from './registry-client-pool.js';
