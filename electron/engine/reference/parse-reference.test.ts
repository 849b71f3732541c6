import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FerryError } from '../errors/ferry-error.js';
import { formatReference } from './format-reference.js';
import type { ImageReference } from './image-reference.js';
import { parseReference } from './parse-reference.js';

const D = `sha256:${'0123456789abcdef'.repeat(4)}`;
const D2 = `sha256:${'a'.repeat(64)}`;

const valid: Array<[input: string, expected: ImageReference]> = [
  // Docker Hub defaults
  ['nginx', { registry: 'docker.io', repository: 'library/nginx', tag: 'latest' }],
  ['nginx:1.27', { registry: 'docker.io', repository: 'library/nginx', tag: '1.27' }],
  ['user/app', { registry: 'docker.io', repository: 'user/app', tag: 'latest' }],
  ['user/app:1', { registry: 'docker.io', repository: 'user/app', tag: '1' }],
  ['user/app/api', { registry: 'docker.io', repository: 'user/app/api', tag: 'latest' }],
  ['docker.io/nginx', { registry: 'docker.io', repository: 'library/nginx', tag: 'latest' }],
  ['docker.io/library/nginx', { registry: 'docker.io', repository: 'library/nginx', tag: 'latest' }],
  ['docker.io/user/app:2', { registry: 'docker.io', repository: 'user/app', tag: '2' }],
  ['index.docker.io/library/nginx', { registry: 'docker.io', repository: 'library/nginx', tag: 'latest' }],
  ['index.docker.io/nginx', { registry: 'docker.io', repository: 'library/nginx', tag: 'latest' }],
  ['registry-1.docker.io/library/redis:7', { registry: 'docker.io', repository: 'library/redis', tag: '7' }],
  ['registry-1.docker.io/redis', { registry: 'docker.io', repository: 'library/redis', tag: 'latest' }],
  ['library/nginx', { registry: 'docker.io', repository: 'library/nginx', tag: 'latest' }],
  // Registries: dotted hosts, ports, localhost, IPv4, IPv6
  ['a.b/c', { registry: 'a.b', repository: 'c', tag: 'latest' }],
  ['a:5000/c', { registry: 'a:5000', repository: 'c', tag: 'latest' }],
  ['sub-domain.example.com/x/y/z:tag', { registry: 'sub-domain.example.com', repository: 'x/y/z', tag: 'tag' }],
  ['ghcr.io/org/tool:v1.2.3', { registry: 'ghcr.io', repository: 'org/tool', tag: 'v1.2.3' }],
  ['quay.io/a/b/c/d/e', { registry: 'quay.io', repository: 'a/b/c/d/e', tag: 'latest' }],
  ['localhost/app', { registry: 'localhost', repository: 'app', tag: 'latest' }],
  ['localhost:5000/app:dev', { registry: 'localhost:5000', repository: 'app', tag: 'dev' }],
  ['127.0.0.1:5000/team/app', { registry: '127.0.0.1:5000', repository: 'team/app', tag: 'latest' }],
  ['10.0.0.1/app', { registry: '10.0.0.1', repository: 'app', tag: 'latest' }],
  ['[::1]:5000/app', { registry: '[::1]:5000', repository: 'app', tag: 'latest' }],
  ['[::1]/app:1', { registry: '[::1]', repository: 'app', tag: '1' }],
  ['[fe80::1:2]:443/a/b', { registry: '[fe80::1:2]:443', repository: 'a/b', tag: 'latest' }],
  ['[2001:DB8::1]:5000/app', { registry: '[2001:DB8::1]:5000', repository: 'app', tag: 'latest' }],
  ['Registry.Example.COM/app', { registry: 'Registry.Example.COM', repository: 'app', tag: 'latest' }],
  ['xn--bcher-kva.example/app', { registry: 'xn--bcher-kva.example', repository: 'app', tag: 'latest' }],
  ['a-b.c:65535/d', { registry: 'a-b.c:65535', repository: 'd', tag: 'latest' }],
  // A component without '.', ':' or localhost is a path, not a registry
  ['localhostx/app', { registry: 'docker.io', repository: 'localhostx/app', tag: 'latest' }],
  ['myregistry/app/x', { registry: 'docker.io', repository: 'myregistry/app/x', tag: 'latest' }],
  // `localhost:5000` alone is an image "localhost" tagged "5000", as docker reads it
  ['localhost:5000', { registry: 'docker.io', repository: 'library/localhost', tag: '5000' }],
  // Separators
  ['a.b.c/x.y', { registry: 'a.b.c', repository: 'x.y', tag: 'latest' }],
  ['a_b', { registry: 'docker.io', repository: 'library/a_b', tag: 'latest' }],
  ['a__b', { registry: 'docker.io', repository: 'library/a__b', tag: 'latest' }],
  ['a-b', { registry: 'docker.io', repository: 'library/a-b', tag: 'latest' }],
  ['a---b', { registry: 'docker.io', repository: 'library/a---b', tag: 'latest' }],
  ['a.b-c_d__e', { registry: 'docker.io', repository: 'library/a.b-c_d__e', tag: 'latest' }],
  ['0/1', { registry: 'docker.io', repository: '0/1', tag: 'latest' }],
  // Tags
  ['app:_x', { registry: 'docker.io', repository: 'library/app', tag: '_x' }],
  ['app:V1.0-RC_1', { registry: 'docker.io', repository: 'library/app', tag: 'V1.0-RC_1' }],
  ['app:1..--__', { registry: 'docker.io', repository: 'library/app', tag: '1..--__' }],
  [`app:${'t'.repeat(128)}`, { registry: 'docker.io', repository: 'library/app', tag: 't'.repeat(128) }],
  // Digests
  [`nginx@${D}`, { registry: 'docker.io', repository: 'library/nginx', digest: D }],
  [`nginx:1.27@${D}`, { registry: 'docker.io', repository: 'library/nginx', tag: '1.27', digest: D }],
  [`host:5000/a/b@${D2}`, { registry: 'host:5000', repository: 'a/b', digest: D2 }],
  [`host:5000/a/b:t@${D2}`, { registry: 'host:5000', repository: 'a/b', tag: 't', digest: D2 }],
  // Whitespace around is trimmed
  ['  nginx:1  ', { registry: 'docker.io', repository: 'library/nginx', tag: '1' }],
  ['\tuser/app\n', { registry: 'docker.io', repository: 'user/app', tag: 'latest' }],
  // Length: registry/repository of exactly 255 characters
  [`a.io/${'x'.repeat(250)}`, { registry: 'a.io', repository: 'x'.repeat(250), tag: 'latest' }],
];

const invalid: Array<[input: string, reason: RegExp]> = [
  // Empty and whitespace
  ['', /is empty/],
  ['   ', /is empty/],
  ['ngi nx', /whitespace/],
  // Case
  ['Nginx:1', /repository name must be lowercase/],
  ['user/App', /repository name must be lowercase/],
  ['User/app', /repository name must be lowercase/],
  ['ghcr.io/Org/app', /repository name must be lowercase/],
  // Image IDs
  ['0123456789abcdef'.repeat(4), /image ID/],
  // Hosts
  ['-a.com/app', /registry host "-a.com" is not a valid host name/],
  ['a-.com/app', /registry host "a-.com"/],
  ['a..b/app', /registry host "a..b"/],
  ['.a/app', /registry host ".a"/],
  ['a_b.com/app', /registry host "a_b.com"/],
  [':5000/app', /has no host name/],
  // Ports
  ['a:/app', /empty port/],
  ['a:b/app', /port "b" is not a number/],
  ['a:50:00/app', /port "50:00" is not a number/],
  ['a:0/app', /outside 1-65535/],
  ['a:65536/app', /outside 1-65535/],
  ['localhost:-1/app', /port "-1" is not a number/],
  // IPv6
  ['[::1/app', /unclosed/],
  ['[::1]x/app', /unexpected text/],
  ['[]:5000/app', /not a valid IPv6 address/],
  ['[:::]/app', /not a valid IPv6 address/],
  ['[::ffff:1.2.3.4]/app', /not a valid IPv6 address/],
  ['[g::1]/app', /not a valid IPv6 address/],
  ['[::1]:/app', /empty port/],
  ['::1/app', /looks like an IPv6 address; put it in brackets/],
  ['fe80::1:5000/app', /looks like an IPv6 address/],
  ['a]:5000/app', /']' without '\['/],
  // Path components and separators
  ['a_-b', /invalid separator/],
  ['a-_b', /invalid separator/],
  ['a___b', /invalid separator/],
  ['a..b', /invalid separator/],
  ['a._b', /invalid separator/],
  ['a-', /start and end with a letter or digit/],
  ['a_', /start and end/],
  ['a.', /start and end/],
  ['-a', /start and end/],
  ['_a', /start and end/],
  ['user/-app', /start and end/],
  ['a//b', /empty component/],
  ['/app', /empty component/],
  ['app/', /empty component/],
  ['ghcr.io/', /repository name is missing/],
  ['ghcr.io//a', /empty component/],
  ['a$b', /may contain only lowercase letters/],
  ['a+b/c', /may contain only lowercase letters/],
  // Tags
  ['nginx:', /tag after ":" is empty/],
  [`app:${'t'.repeat(129)}`, /129 characters long; the limit is 128/],
  ['app:.x', /must start with a letter, digit or '_'/],
  ['app:-x', /must start with a letter, digit or '_'/],
  ['app:x+y', /may contain only letters/],
  [':tag', /repository name is missing/],
  // Digests
  ['nginx@', /digest after "@" is empty/],
  ['nginx@sha256', /must have the form sha256:<64 hex digits>/],
  [`nginx@sha512:${'a'.repeat(128)}`, /algorithm "sha512" is not supported/],
  [`nginx@md5:${'a'.repeat(32)}`, /algorithm "md5" is not supported/],
  [`nginx@SHA256:${'a'.repeat(64)}`, /algorithm "SHA256" is not supported/],
  [`nginx@1sha:${'a'.repeat(64)}`, /must have the form/],
  ['nginx@sha256:', /no hex digits/],
  [`nginx@sha256:${'a'.repeat(63)}`, /64 hex digits, not 63/],
  [`nginx@sha256:${'a'.repeat(65)}`, /64 hex digits, not 65/],
  [`nginx@sha256:${'A'.repeat(64)}`, /must be lowercase hex/],
  [`nginx@sha256:${'g'.repeat(64)}`, /must be hex digits/],
  [`nginx@${D}@${D}`, /more than one "@"/],
  [`@${D}`, /repository name is missing/],
  // Length: 256 characters after normalization
  [`a.io/${'x'.repeat(251)}`, /256 characters long; the limit is 255/],
  [`${'x'.repeat(240)}`, /characters long; the limit is 255/],
];

const roundTrips = [
  'nginx',
  'user/app:1',
  'docker.io/library/nginx:1.27',
  'localhost:5000/a/b:c',
  '[::1]:5000/app',
  `host:5000/a/b@${D}`,
  `repo:tag@${D}`,
  'a.b/c__d/e---f.g_h:T_1.x-y',
];

describe('parseReference: valid references', () => {
  for (const [input, expected] of valid) {
    it(`${JSON.stringify(input.length > 60 ? `${input.slice(0, 57)}...` : input)}`, () => {
      assert.deepEqual(parseReference(input), expected);
    });
  }
});

describe('parseReference: invalid references', () => {
  for (const [input, reason] of invalid) {
    it(`${JSON.stringify(input.length > 60 ? `${input.slice(0, 57)}...` : input)} is rejected (${reason.source})`, () => {
      assert.throws(
        () => parseReference(input),
        (error: unknown) => {
          assert.ok(error instanceof FerryError);
          assert.equal(error.code, 'bad-reference');
          assert.equal(error.subject, input.trim());
          assert.ok(error.message.startsWith(`invalid image reference "${input.trim()}": `), error.message);
          assert.match(error.message, reason);
          return true;
        },
      );
    });
  }
});

describe('parseReference: the example from the spec reads exactly', () => {
  it('names the reference and the reason', () => {
    assert.throws(() => parseReference('Nginx:1'), {
      message: 'invalid image reference "Nginx:1": repository name must be lowercase',
    });
  });
  it('does not add tag or digest keys that were not given', () => {
    assert.deepEqual(Object.keys(parseReference(`a@${D}`)).sort(), ['digest', 'registry', 'repository']);
    assert.deepEqual(Object.keys(parseReference('a')).sort(), ['registry', 'repository', 'tag']);
  });
});

describe('parseReference: format(parse(x)) round-trips', () => {
  for (const input of roundTrips) {
    it(input.length > 60 ? `${input.slice(0, 57)}...` : input, () => {
      const parsed = parseReference(input);
      const formatted = formatReference(parsed);
      assert.deepEqual(parseReference(formatted), parsed);
      assert.equal(formatReference(parseReference(formatted)), formatted);
    });
  }
});
