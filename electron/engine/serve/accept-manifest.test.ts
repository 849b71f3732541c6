import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MediaType } from '../oci/media-types.js';
import { acceptedTypes, chooseManifest, defaultPlatformManifest } from './accept-manifest.js';

const choose = (mediaType: string, accept: string | undefined, byTag = true) => chooseManifest({ mediaType, accept: acceptedTypes(accept), byTag }).kind;

test('Accept is split on commas and parameters are dropped', () => {
  assert.deepEqual([...acceptedTypes(['Application/vnd.oci.image.index.v1+json;q=0.5, application/json', 'text/plain'])!], ['application/vnd.oci.image.index.v1+json', 'application/json', 'text/plain']);
  assert.equal(acceptedTypes(undefined), undefined);
});

test('no Accept, the type itself or a wildcard: as stored', () => {
  assert.equal(choose(MediaType.ociIndex, undefined), 'as-stored');
  assert.equal(choose(MediaType.ociIndex, MediaType.ociIndex), 'as-stored');
  assert.equal(choose(MediaType.ociManifest, '*/*'), 'as-stored');
  assert.equal(choose(MediaType.ociManifest, 'application/*'), 'as-stored');
});

test('OCI types not accepted are unknown, by tag and by digest', () => {
  assert.equal(choose(MediaType.ociManifest, MediaType.dockerManifest), 'not-acceptable');
  assert.equal(choose(MediaType.ociIndex, `${MediaType.dockerManifestList}, ${MediaType.dockerManifest}`, false), 'not-acceptable');
});

test('a Docker list by tag to a Docker-v2-only client: its platform manifest; by digest: as stored; no schema 1', () => {
  assert.equal(choose(MediaType.dockerManifestList, MediaType.dockerManifest), 'platform');
  assert.equal(choose(MediaType.dockerManifestList, MediaType.dockerManifest, false), 'as-stored');
  assert.equal(choose(MediaType.dockerManifestList, MediaType.ociIndex), 'not-acceptable');
  assert.equal(choose(MediaType.dockerManifest, MediaType.ociManifest), 'not-acceptable');
  assert.equal(choose(MediaType.dockerManifest, MediaType.ociManifest, false), 'as-stored');
});

test('the default platform of a list is linux/amd64; none, or no JSON, is undefined', () => {
  const list = (platforms: { os: string; architecture: string }[]) => Buffer.from(JSON.stringify({ manifests: platforms.map((platform, i) => ({ digest: `d${i}`, platform })) }));
  assert.equal(defaultPlatformManifest(list([{ os: 'windows', architecture: 'amd64' }, { os: 'linux', architecture: 'amd64' }])), 'd1');
  assert.equal(defaultPlatformManifest(list([{ os: 'linux', architecture: 'arm64' }])), undefined);
  assert.equal(defaultPlatformManifest(Buffer.from('not json')), undefined);
});
