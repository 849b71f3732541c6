import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FerryError } from '../errors/ferry-error.js';
import { dockerEndpoint } from './docker-engine.js';

test('the Docker Engine is found as the docker CLI finds it: DOCKER_HOST, else the platform default', () => {
  assert.deepEqual(dockerEndpoint({}, 'linux'), { socketPath: '/var/run/docker.sock', origin: 'http://localhost', label: '/var/run/docker.sock' });
  assert.equal(dockerEndpoint({}, 'win32').socketPath, '\\\\.\\pipe\\docker_engine');
  assert.equal(dockerEndpoint({ DOCKER_HOST: 'unix:///run/user/1000/podman/podman.sock' }, 'linux').socketPath, '/run/user/1000/podman/podman.sock');
  assert.equal(dockerEndpoint({ DOCKER_HOST: 'npipe:////./pipe/docker_engine' }, 'win32').socketPath, '\\\\.\\pipe\\docker_engine');
  assert.deepEqual(dockerEndpoint({ DOCKER_HOST: 'tcp://127.0.0.1:2375' }, 'linux'), { origin: 'http://127.0.0.1:2375', label: 'tcp://127.0.0.1:2375' });
});

test('addresses Ferry cannot reach are refused, naming them', () => {
  const unsupported = (e: unknown): boolean => e instanceof FerryError && e.code === 'unsupported';
  assert.throws(() => dockerEndpoint({ DOCKER_HOST: 'tcp://10.0.0.1:2376', DOCKER_TLS_VERIFY: '1' }), unsupported);
  assert.throws(() => dockerEndpoint({ DOCKER_HOST: 'ssh://me@host' }), unsupported);
});
