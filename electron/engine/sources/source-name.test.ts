import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FerryError } from '../errors/ferry-error.js';
import { resolveInside } from './entry-store.js';
import { fullName, localReference } from './local-reference.js';
import { formatReference } from '../reference/format-reference.js';
import { isLocalSourceName, parseSourceName, pinnedName, sourceAgainst } from './source-name.js';

test('local source names split as skopeo splits them: transport, path up to the next colon, the rest as REF', () => {
  assert.deepEqual(parseSourceName('docker-archive:app.tar'), { transport: 'docker-archive', path: 'app.tar', given: 'docker-archive:app.tar' });
  assert.deepEqual(parseSourceName('docker-archive:/x/app.tar:registry.local:5000/team/app:1.0')?.ref, 'registry.local:5000/team/app:1.0');
  assert.deepEqual(parseSourceName('oci:./layout:v1'), { transport: 'oci', path: './layout', ref: 'v1', given: 'oci:./layout:v1' });
  assert.equal(parseSourceName('oci-archive:C:\\images\\app.tar:1')?.path, 'C:\\images\\app.tar');
  assert.deepEqual(parseSourceName('docker-daemon:alpine:3.20'), { transport: 'docker-daemon', path: 'alpine:3.20', given: 'docker-daemon:alpine:3.20' });
  assert.equal(parseSourceName('nginx:1.27'), undefined);
  assert.equal(parseSourceName('registry.local:5000/oci:1'), undefined);
  assert.equal(isLocalSourceName('oci:dir'), true);
  assert.equal(isLocalSourceName('ocix:dir'), false);
});

test('a local source without its path, or with an empty REF, is bad usage', () => {
  for (const bad of ['docker-archive:', 'oci:', 'docker-daemon:', 'oci-archive:a.tar:']) {
    assert.throws(() => parseSourceName(bad), (e: unknown) => e instanceof FerryError && e.code === 'bad-usage', bad);
  }
});

test('pinned names: a docker-archive REF and a docker-daemon name pin the image name; @N and OCI tags do not', () => {
  assert.equal(pinnedName(parseSourceName('docker-archive:a.tar:team/app:1')!), 'team/app:1');
  assert.equal(pinnedName(parseSourceName('docker-archive:a.tar:@1')!), undefined);
  assert.equal(pinnedName(parseSourceName('oci:dir:1')!), undefined);
  assert.equal(pinnedName(parseSourceName('docker-daemon:alpine:3.20')!), 'alpine:3.20');
  assert.equal(pinnedName(parseSourceName(`docker-daemon:sha256:${'ab'.repeat(32)}`)!), undefined);
  assert.equal(pinnedName(parseSourceName('docker-daemon:5d0da3dc9764')!), undefined);
});

test('relative local paths are taken against a list file\'s folder; absolute ones, daemons and references are left', () => {
  assert.equal(sourceAgainst('docker-archive:app.tar:x/y:1', '/lists'), 'docker-archive:/lists/app.tar:x/y:1');
  assert.equal(sourceAgainst('oci:/abs/dir', '/lists'), 'oci:/abs/dir');
  assert.equal(sourceAgainst('docker-daemon:alpine', '/lists'), 'docker-daemon:alpine');
  assert.equal(sourceAgainst('nginx:1.27', '/lists'), 'nginx:1.27');
});

test('names: full ones parse, bare tags do not; unnamed images go under local.invalid by the file name', () => {
  assert.equal(formatReference(fullName('alpine:3.20')!), 'docker.io/library/alpine:3.20');
  assert.equal(fullName('3.20'), undefined);
  assert.equal(fullName('latest'), undefined);
  assert.equal(formatReference(localReference('/tmp/My App.tar', 'v1')), 'local.invalid/my-app:v1');
  assert.equal(formatReference(localReference('/tmp/layout/', 'bad tag!')), 'local.invalid/layout:latest');
});

test('links inside a source resolve within it, never out of it', () => {
  assert.equal(resolveInside('a/layer.tar', '../b/layer.tar'), 'b/layer.tar');
  assert.equal(resolveInside('a/layer.tar', '../../etc/passwd'), undefined);
  assert.equal(resolveInside('a/layer.tar', '/etc/passwd'), undefined);
});
