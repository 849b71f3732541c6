import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWwwAuthenticate } from './www-authenticate.js';

describe('parseWwwAuthenticate', () => {
  it('parses a Docker Hub bearer challenge', () => {
    const header = 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"';
    assert.deepEqual(parseWwwAuthenticate(header), [
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' },
      },
    ]);
  });

  it('keeps commas, equals signs and escaped quotes inside quoted values', () => {
    const header = 'Bearer realm="https://t.example/token?a=1,b=2",scope="repository:a/b:pull,push",error="say \\"hi\\""';
    const [challenge] = parseWwwAuthenticate(header);
    assert.equal(challenge?.params['realm'], 'https://t.example/token?a=1,b=2');
    assert.equal(challenge?.params['scope'], 'repository:a/b:pull,push');
    assert.equal(challenge?.params['error'], 'say "hi"');
  });

  it('splits several challenges in one header and across header lines', () => {
    const header = 'Basic realm="Registry Realm", Bearer realm="https://x/token", service=reg';
    assert.deepEqual(parseWwwAuthenticate(header), [
      { scheme: 'basic', params: { realm: 'Registry Realm' } },
      { scheme: 'bearer', params: { realm: 'https://x/token', service: 'reg' } },
    ]);
    assert.deepEqual(
      parseWwwAuthenticate(['Negotiate', 'basic realm=r']).map((c) => c.scheme),
      ['negotiate', 'basic'],
    );
  });

  it('handles token68, odd spacing, case and junk', () => {
    assert.deepEqual(parseWwwAuthenticate('Negotiate abc+/def==, BASIC  Realm = "x" '), [
      { scheme: 'negotiate', params: { token68: 'abc+/def==' } },
      { scheme: 'basic', params: { realm: 'x' } },
    ]);
    assert.deepEqual(parseWwwAuthenticate(''), []);
    assert.deepEqual(parseWwwAuthenticate(undefined), []);
    assert.deepEqual(parseWwwAuthenticate('Bearer realm="unterminated'), [{ scheme: 'bearer', params: { realm: 'unterminated' } }]);
  });
});
