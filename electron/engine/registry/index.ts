/** The registry client's public surface. */
export { RegistryClient, type BlobDescriptor, type FetchedManifest, type RegistryClientOptions } from './registry-client.js';
export { defaultCredentialResolver, staticCredentials, type Credential, type CredentialResolver } from './credentials.js';
export {
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_INDEX,
  OCI_MANIFEST,
  SUPPORTED_MANIFEST_TYPES,
} from './manifest-media-types.js';
