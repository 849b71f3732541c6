import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatReference, repositoryName } from './format-reference.js';
import type { ImageReference } from './image-reference.js';

const D = `sha256:${'b'.repeat(64)}`;

describe('formatReference', () => {
  const cases: Array<[ImageReference, string]> = [
    [{ registry: 'docker.io', repository: 'library/nginx', tag: '1.27' }, 'docker.io/library/nginx:1.27'],
    [{ registry: 'host:5000', repository: 'a/b', digest: D }, `host:5000/a/b@${D}`],
    [{ registry: 'ghcr.io', repository: 'repo', tag: 'tag', digest: D }, `ghcr.io/repo:tag@${D}`],
    [{ registry: '[::1]:5000', repository: 'app' }, '[::1]:5000/app'],
  ];
  for (const [ref, expected] of cases) {
    it(expected, () => assert.equal(formatReference(ref), expected));
  }
});

describe('repositoryName', () => {
  const cases: Array<[ImageReference, string]> = [
    [{ registry: 'docker.io', repository: 'library/nginx', tag: '1' }, 'docker.io/library/nginx'],
    [{ registry: 'localhost:5000', repository: 'team/app', digest: D }, 'localhost:5000/team/app'],
  ];
  for (const [ref, expected] of cases) {
    it(expected, () => assert.equal(repositoryName(ref), expected));
  }
});
