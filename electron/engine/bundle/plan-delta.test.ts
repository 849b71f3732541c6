// planDelta(): which blobs a delta leaves out and which repository it names for each; and what bundle.json's
// consistency check accepts of a delta. Pure: no registry.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUNDLE_MEDIA_TYPE, type BundleManifest } from '../../../shared/bundle-manifest.js';
import { checkManifestConsistency } from './check-manifest-consistency.js';
import type { BlobPlan, PlannedBlob } from './plan-blobs.js';
import { planDelta } from './plan-delta.js';
import type { OfflineHoldings } from './read-holdings.js';
import type { ResolvedImage } from './resolve-image.js';

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const CONFIG = 'application/vnd.oci.image.config.v1+json';

const blob = (digest: string, size: number, mediaType: string, images: number[]): PlannedBlob => ({
  digest,
  size,
  mediaType,
  head: mediaType !== LAYER,
  source: { kind: 'registry', registry: 'r.example', repository: 'x' },
  images,
});
const image = (repository: string, manifest: string): ResolvedImage =>
  ({ ref: { registry: 'r.example', repository }, top: { digest: manifest }, indexes: [], manifests: [{ digest: manifest }] }) as unknown as ResolvedImage;
const holdings = (blobs: [string, number, string[]][]): OfflineHoldings => ({
  bases: [{ path: 'inv.json', base: { kind: 'inventory', sha256: 'a'.repeat(64) }, blobs: blobs.length }],
  blobs: new Map(blobs.map(([digest, size, repositories]) => [digest, { size, repositories: new Set(repositories), from: 'inv.json' }])),
  warnings: [],
});

describe('planDelta', () => {
  const images = [image('team/app', d('1')), image('team/tool', d('2'))];
  const plan: BlobPlan = {
    blobs: [blob(d('1'), 10, MANIFEST, [0]), blob(d('2'), 11, MANIFEST, [1]), blob(d('3'), 12, CONFIG, [0]), blob(d('4'), 1000, LAYER, [0, 1]), blob(d('5'), 2000, LAYER, [1]), blob(d('6'), 3000, LAYER, [0])],
    perImage: [],
  };

  it('leaves out held blobs of the same size, never a manifest, and names the image\'s own repository first', () => {
    const held = holdings([
      [d('1'), 10, ['team/app']], // a manifest: always carried
      [d('3'), 12, ['zzz/other', 'mirror/team/app']], // under a prefix: preferred to the first by name
      [d('4'), 1000, ['aaa/first', 'team/tool', 'team/app']], // needed by app first: its own path wins
      [d('5'), 2001, ['team/tool']], // another size: carried, with a warning
      [d('6'), 3000, ['b/x', 'a/y']], // no path of the image: the first by name
    ]);
    const delta = planDelta(plan, images, held);
    assert.deepEqual(
      delta.omitted.map((o) => [o.digest, o.repository]),
      [
        [d('3'), 'mirror/team/app'],
        [d('4'), 'team/app'],
        [d('6'), 'a/y'],
      ],
    );
    assert.deepEqual(delta.carried.map((b) => b.digest), [d('1'), d('2'), d('5')]);
    assert.equal(delta.bytesOmitted, 12 + 1000 + 3000);
    assert.equal(delta.bytesCarried, 10 + 11 + 2000);
    assert.deepEqual(delta.record?.against, [{ kind: 'inventory', sha256: 'a'.repeat(64) }]);
    assert.equal(delta.warnings.length, 1);
    assert.match(delta.warnings[0]!, /records blob sha256:5{64} as 2001 bytes, but the images need 2000: it is carried/);
  });

  it('with nothing in common: everything carried, no delta record, and a warning saying so', () => {
    const delta = planDelta(plan, images, holdings([[d('9'), 5, ['x']]]));
    assert.equal(delta.record, undefined);
    assert.equal(delta.carried.length, plan.blobs.length);
    assert.match(delta.warnings.join('\n'), /Nothing these images need is held offline according to inv\.json/);
  });
});

describe('checkManifestConsistency of a delta', () => {
  const manifest = (): BundleManifest => ({
    schemaVersion: 1,
    mediaType: BUNDLE_MEDIA_TYPE,
    id: '00000000-0000-4000-8000-000000000000',
    created: '2025-01-01T00:00:00.000Z',
    tool: { name: 'ferry', version: 'test' },
    images: [],
    charts: [{ name: 'web', version: '1.0.0', source: 'oci://r.example/charts/web:1.0.0', digest: d('a'), chartDigest: d('b'), size: 30, provenance: false, images: [] }],
    files: [],
    blobs: [{ digest: d('a'), size: 10, mediaType: MANIFEST }],
    archive: { name: 'bundle.tar', format: 'oci-layout+docker-archive', size: 4096, sha256: 'c'.repeat(64), parts: [{ name: 'bundle.tar', size: 4096, sha256: 'c'.repeat(64) }] },
    delta: { against: [{ kind: 'inventory', sha256: 'a'.repeat(64) }], omitted: [{ digest: d('b'), size: 20, mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip' }] },
  });

  it('accepts a chart whose .tgz is held offline; refuses it when it is neither carried nor omitted, or both', () => {
    assert.deepEqual(checkManifestConsistency(manifest()), []);
    const lost = manifest();
    lost.delta!.omitted = [];
    assert.match(checkManifestConsistency(lost).join('\n'), /chartDigest sha256:b{64} is not in blobs nor in delta\.omitted/);
    const both = manifest();
    both.blobs.push({ digest: d('b'), size: 20, mediaType: 'x' });
    assert.match(checkManifestConsistency(both).join('\n'), /delta\.omitted\[0\] .* is also carried in blobs/);
  });
});
