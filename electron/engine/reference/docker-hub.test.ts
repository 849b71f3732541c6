import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeRegistry, registryApiHost } from './docker-hub.js';

describe('registryApiHost', () => {
  const cases: Array<[string, string]> = [
    ['docker.io', 'registry-1.docker.io'],
    ['ghcr.io', 'ghcr.io'],
    ['localhost:5000', 'localhost:5000'],
    ['[::1]:5000', '[::1]:5000'],
  ];
  for (const [registry, expected] of cases) {
    it(`${registry} -> ${expected}`, () => assert.equal(registryApiHost(registry), expected));
  }
});

describe('normalizeRegistry', () => {
  const cases: Array<[string, string]> = [
    ['docker.io', 'docker.io'],
    ['index.docker.io', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['Index.Docker.IO', 'docker.io'],
    ['quay.io', 'quay.io'],
    ['docker.io:443', 'docker.io:443'],
  ];
  for (const [registry, expected] of cases) {
    it(`${registry} -> ${expected}`, () => assert.equal(normalizeRegistry(registry), expected));
  }
});
