import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collidingTagAdvice, collidingTags } from './colliding-tags.js';

test('a tag shared by two names collides; one name twice, or no tag, does not', () => {
  const found = collidingTags([
    { name: 'docker.io/library/nginx:1.27', tag: '1.27' },
    { name: 'registry.local/mirror/nginx:1.27', tag: '1.27' },
    { name: 'docker.io/library/nginx:1.27', tag: '1.27' },
    { name: 'docker.io/library/redis:7', tag: '7' },
    { name: 'docker.io/library/busybox@sha256:00' },
  ]);
  assert.deepEqual(found, [{ tag: '1.27', names: ['docker.io/library/nginx:1.27', 'registry.local/mirror/nginx:1.27'] }]);
  const advice = collidingTagAdvice(found[0]!);
  assert.match(advice, /oci-archive:bundle\.tar:1\.27 reads only the first/);
  assert.match(advice, /docker-archive:bundle\.tar:registry\.local\/mirror\/nginx:1\.27/);
});
