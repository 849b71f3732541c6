import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FerryError } from '../errors/ferry-error.js';
import { formatPlatform } from './format-platform.js';
import { parsePlatform } from './parse-platform.js';
import type { Platform } from './platform.js';

const valid: Array<[spec: string, expected: Platform]> = [
  ['linux/amd64', { os: 'linux', architecture: 'amd64' }],
  ['linux/arm64', { os: 'linux', architecture: 'arm64' }],
  ['linux/arm64/v8', { os: 'linux', architecture: 'arm64', variant: 'v8' }],
  ['linux/arm/v7', { os: 'linux', architecture: 'arm', variant: 'v7' }],
  ['linux/arm/v6', { os: 'linux', architecture: 'arm', variant: 'v6' }],
  ['linux/386', { os: 'linux', architecture: '386' }],
  ['linux/ppc64le', { os: 'linux', architecture: 'ppc64le' }],
  ['linux/s390x', { os: 'linux', architecture: 's390x' }],
  ['linux/riscv64', { os: 'linux', architecture: 'riscv64' }],
  ['linux/amd64/v3', { os: 'linux', architecture: 'amd64', variant: 'v3' }],
  ['Linux/AMD64', { os: 'linux', architecture: 'amd64' }],
  ['LINUX/ARM/V7', { os: 'linux', architecture: 'arm', variant: 'v7' }],
  ['linux/x86_64', { os: 'linux', architecture: 'x86_64' }],
  ['linux/x86-64', { os: 'linux', architecture: 'x86-64' }],
  ['linux/arm64/v8.2', { os: 'linux', architecture: 'arm64', variant: 'v8.2' }],
  ['  linux/amd64  ', { os: 'linux', architecture: 'amd64' }],
  ['windows/amd64', { os: 'windows', architecture: 'amd64' }],
  ['windows/amd64:10.0.20348', { os: 'windows', architecture: 'amd64', osVersion: '10.0.20348' }],
  ['windows/amd64:10.0.20348.2340', { os: 'windows', architecture: 'amd64', osVersion: '10.0.20348.2340' }],
  ['windows/amd64:ltsc2019', { os: 'windows', architecture: 'amd64', osVersion: '10.0.17763' }],
  ['windows/amd64:2019', { os: 'windows', architecture: 'amd64', osVersion: '10.0.17763' }],
  ['windows/amd64:1809', { os: 'windows', architecture: 'amd64', osVersion: '10.0.17763' }],
  ['windows/amd64:ltsc2022', { os: 'windows', architecture: 'amd64', osVersion: '10.0.20348' }],
  ['windows/amd64:2022', { os: 'windows', architecture: 'amd64', osVersion: '10.0.20348' }],
  ['windows/amd64:LTSC2022', { os: 'windows', architecture: 'amd64', osVersion: '10.0.20348' }],
  ['windows/amd64:ltsc2025', { os: 'windows', architecture: 'amd64', osVersion: '10.0.26100' }],
  ['windows/amd64:2025', { os: 'windows', architecture: 'amd64', osVersion: '10.0.26100' }],
  ['windows/amd64:ltsc2016', { os: 'windows', architecture: 'amd64', osVersion: '10.0.14393' }],
  ['windows/amd64:20H2', { os: 'windows', architecture: 'amd64', osVersion: '10.0.19042' }],
  ['windows/arm64:ltsc2025', { os: 'windows', architecture: 'arm64', osVersion: '10.0.26100' }],
  ['Windows/AMD64:ltsc2022', { os: 'windows', architecture: 'amd64', osVersion: '10.0.20348' }],
  ['windows/amd64:10', { os: 'windows', architecture: 'amd64', osVersion: '10' }],
  ['linux/amd64:5.15', { os: 'linux', architecture: 'amd64', osVersion: '5.15' }],
];

const invalid: Array<[spec: string, reason: RegExp]> = [
  ['', /the platform is empty/],
  ['   ', /the platform is empty/],
  ['linux', /expected os\/architecture\[\/variant\]\[:osversion\]/],
  ['amd64', /expected os\/architecture/],
  ['linux/arm/v7/extra', /expected os\/architecture/],
  ['linux/', /the architecture is empty/],
  ['/amd64', /the OS is empty/],
  ['linux/arm/', /the variant is empty/],
  ['linux//v7', /the architecture is empty/],
  ['lin ux/amd64', /OS "lin ux" may contain only/],
  ['linux/amd 64', /architecture "amd 64" may contain only/],
  ['linux/arm/v7+', /variant "v7\+" may contain only/],
  ['linux/amd64@x', /architecture "amd64@x" may contain only/],
  ['windows/amd64:', /OS version after ":" is empty/],
  ['windows/amd64:ltsc2030', /neither a version number like 10\.0\.20348 nor a Windows Server name/],
  ['windows/amd64:10.0.', /neither a version number/],
  ['windows/amd64:10..0', /neither a version number/],
  ['windows/amd64:10.0:1', /neither a version number/],
  ['windows/amd64:v10', /neither a version number/],
  ['linux/amd64:ltsc2022', /names a Windows Server release, but the OS is "linux"/],
  [':10.0.20348', /expected os\/architecture/],
];

describe('parsePlatform: valid specs', () => {
  for (const [spec, expected] of valid) {
    it(JSON.stringify(spec), () => assert.deepEqual(parsePlatform(spec), expected));
  }
});

describe('parsePlatform: invalid specs', () => {
  for (const [spec, reason] of invalid) {
    it(`${JSON.stringify(spec)} is rejected (${reason.source})`, () => {
      assert.throws(
        () => parsePlatform(spec),
        (error: unknown) => {
          assert.ok(error instanceof FerryError);
          assert.equal(error.code, 'bad-platform');
          assert.equal(error.subject, spec.trim());
          assert.ok(error.message.startsWith(`invalid platform "${spec.trim()}": `), error.message);
          assert.match(error.message, reason);
          return true;
        },
      );
    });
  }
});

describe('parsePlatform: formatPlatform(parsePlatform(x)) round-trips', () => {
  const specs = ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7', 'windows/amd64:10.0.20348', 'windows/amd64:10.0.20348.2340'];
  for (const spec of specs) {
    it(spec, () => {
      assert.equal(formatPlatform(parsePlatform(spec)), spec);
    });
  }
  it('does not add variant or osVersion keys that were not given', () => {
    assert.deepEqual(Object.keys(parsePlatform('linux/amd64')).sort(), ['architecture', 'os']);
  });
});
