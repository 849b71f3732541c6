import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { familiarName } from './familiar-name.js';
import { parseReference } from './parse-reference.js';

const D = `sha256:${'c'.repeat(64)}`;

describe('familiarName', () => {
  const cases: Array<[input: string, expected: string]> = [
    ['nginx:1.27', 'nginx:1.27'],
    ['nginx', 'nginx:latest'],
    ['docker.io/library/nginx:1', 'nginx:1'],
    ['index.docker.io/library/nginx:1', 'nginx:1'],
    ['user/app:1', 'user/app:1'],
    ['docker.io/user/app:1', 'user/app:1'],
    ['library/a/b:1', 'library/a/b:1'],
    ['ghcr.io/org/app:2', 'ghcr.io/org/app:2'],
    ['localhost:5000/app:dev', 'localhost:5000/app:dev'],
    [`nginx@${D}`, `nginx@${D}`],
    [`nginx:1@${D}`, `nginx:1@${D}`],
  ];
  for (const [input, expected] of cases) {
    it(`${input.slice(0, 40)} -> ${expected.slice(0, 40)}`, () => assert.equal(familiarName(parseReference(input)), expected));
  }
  it('treats an unnormalized Docker Hub alias as Docker Hub', () => {
    assert.equal(familiarName({ registry: 'index.docker.io', repository: 'library/redis', tag: '7' }), 'redis:7');
  });
});
