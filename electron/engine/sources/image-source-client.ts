import type { RegistryClient } from '../registry/registry-client.js';

/**
 * What bundling reads images through: manifests by tag or digest, blobs by descriptor as verified streams, foreign
 * layers by URL. A {@link RegistryClient} is one; {@link SourceRouter} serves local sources through the same calls.
 */
export type ImageSourceClient = Pick<RegistryClient, 'getManifest' | 'openBlob' | 'openForeignBlob'>;
