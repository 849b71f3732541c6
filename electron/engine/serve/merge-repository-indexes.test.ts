import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeRepositoryIndexes, type BundleIndex, type RepositoryIndex } from './repository-index.js';

const d = (n: number): string => `sha256:${String(n).repeat(64).slice(0, 64)}`;

function index(repos: Record<string, { tags: Record<string, string>; digests: string[] }>, types: Record<string, string> = {}): RepositoryIndex {
  return {
    repositories: new Map(Object.entries(repos).map(([name, r]) => [name, { name, tags: new Map(Object.entries(r.tags)), digests: new Set(r.digests), referrers: new Map() }])),
    manifestTypes: new Map(Object.entries(types)),
  };
}

test('several bundles served as one: repositories and digests together; a tag in two bundles goes to the newer, with a warning', () => {
  const older: BundleIndex = {
    id: 'old',
    created: '2025-01-01T00:00:00.000Z',
    index: index({ 'test/app': { tags: { '1.0': d(1), latest: d(1) }, digests: [d(1), d(2)] } }, { [d(1)]: 'application/vnd.oci.image.manifest.v1+json' }),
  };
  const newer: BundleIndex = {
    id: 'new',
    created: '2025-02-01T00:00:00.000Z',
    index: index(
      { 'test/app': { tags: { '2.0': d(3), latest: d(3), '1.0': d(1) }, digests: [d(3), d(2)] }, 'test/other': { tags: { '2.2': d(4) }, digests: [d(4)] } },
      { [d(3)]: 'application/vnd.oci.image.manifest.v1+json', [d(4)]: 'application/vnd.docker.distribution.manifest.v2+json' },
    ),
  };
  // given newest first: the order given does not decide, `created` does
  const { index: merged, conflicts } = mergeRepositoryIndexes([newer, older]);
  const app = merged.repositories.get('test/app')!;
  assert.deepEqual(Object.fromEntries(app.tags), { '1.0': d(1), latest: d(3), '2.0': d(3) });
  assert.deepEqual([...app.digests].sort(), [d(1), d(2), d(3)]);
  assert.deepEqual([...merged.repositories.keys()].sort(), ['test/app', 'test/other']);
  assert.equal(merged.manifestTypes.size, 3);
  assert.equal(conflicts.length, 1, 'the same digest under the same tag is no conflict');
  assert.match(conflicts[0]!, new RegExp(`^test/app:latest is ${d(1)} in bundle old \\(made 2025-01-01.*\\) and ${d(3)} in bundle new \\(made 2025-02-01.*\\): serving the newer bundle's, ${d(3)}\\.$`));
});

test('bundles made at the same time: the one given later wins a tag', () => {
  const a: BundleIndex = { id: 'a', created: '2025-01-01T00:00:00.000Z', index: index({ r: { tags: { t: d(1) }, digests: [d(1)] } }) };
  const b: BundleIndex = { id: 'b', created: '2025-01-01T00:00:00.000Z', index: index({ r: { tags: { t: d(2) }, digests: [d(2)] } }) };
  assert.equal(mergeRepositoryIndexes([a, b]).index.repositories.get('r')!.tags.get('t'), d(2));
  assert.equal(mergeRepositoryIndexes([b, a]).index.repositories.get('r')!.tags.get('t'), d(1));
});
