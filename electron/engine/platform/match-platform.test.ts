import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPlatform } from './format-platform.js';
import { platformMatches } from './match-platform.js';
import { parsePlatform } from './parse-platform.js';
import type { Platform } from './platform.js';

describe('platformMatches', () => {
  const cases: Array<[wanted: string, candidate: Platform, matches: boolean]> = [
    ['linux/amd64', { os: 'linux', architecture: 'amd64' }, true],
    ['linux/amd64', { os: 'linux', architecture: 'arm64' }, false],
    ['linux/amd64', { os: 'windows', architecture: 'amd64' }, false],
    ['linux/amd64', { os: 'linux', architecture: 'amd64', variant: 'v1' }, true],
    ['linux/amd64', { os: 'linux', architecture: 'amd64', variant: 'v3' }, false],
    ['linux/amd64/v3', { os: 'linux', architecture: 'amd64', variant: 'v3' }, true],
    ['linux/x86_64', { os: 'linux', architecture: 'amd64' }, true],
    ['linux/amd64', { os: 'Linux', architecture: 'x86_64' }, true],
    // arm64 ≡ arm64/v8
    ['linux/arm64', { os: 'linux', architecture: 'arm64' }, true],
    ['linux/arm64', { os: 'linux', architecture: 'arm64', variant: 'v8' }, true],
    ['linux/arm64/v8', { os: 'linux', architecture: 'arm64' }, true],
    ['linux/aarch64', { os: 'linux', architecture: 'arm64', variant: '8' }, true],
    ['linux/arm64', { os: 'linux', architecture: 'arm64', variant: 'v9' }, false],
    // arm defaults to v7
    ['linux/arm', { os: 'linux', architecture: 'arm', variant: 'v7' }, true],
    ['linux/arm/v7', { os: 'linux', architecture: 'arm' }, true],
    ['linux/arm/v7', { os: 'linux', architecture: 'arm', variant: 'v6' }, false],
    ['linux/arm/v6', { os: 'linux', architecture: 'arm', variant: 'v6' }, true],
    ['linux/armhf', { os: 'linux', architecture: 'arm', variant: 'v7' }, true],
    ['linux/arm', { os: 'linux', architecture: 'arm64' }, false],
    ['linux/i386', { os: 'linux', architecture: '386' }, true],
    // osVersion
    ['windows/amd64', { os: 'windows', architecture: 'amd64', osVersion: '10.0.17763.5936' }, true],
    ['windows/amd64', { os: 'windows', architecture: 'amd64' }, true],
    ['windows/amd64:10.0.20348', { os: 'windows', architecture: 'amd64', osVersion: '10.0.20348.2340' }, true],
    ['windows/amd64:10.0.20348', { os: 'windows', architecture: 'amd64', osVersion: '10.0.20348' }, true],
    ['windows/amd64:10.0.20348', { os: 'windows', architecture: 'amd64', osVersion: '10.0.203481' }, false],
    ['windows/amd64:10.0.20348', { os: 'windows', architecture: 'amd64', osVersion: '10.0.17763.5936' }, false],
    ['windows/amd64:10.0.20348', { os: 'windows', architecture: 'amd64' }, false],
    ['windows/amd64:10.0.20348.2340', { os: 'windows', architecture: 'amd64', osVersion: '10.0.20348.2341' }, false],
    ['windows/amd64:ltsc2022', { os: 'windows', architecture: 'amd64', osVersion: '10.0.20348.2340' }, true],
    ['windows/amd64:ltsc2019', { os: 'windows', architecture: 'amd64', osVersion: '10.0.20348.2340' }, false],
    ['windows/amd64:2025', { os: 'windows', architecture: 'amd64', osVersion: '10.0.26100.1742' }, true],
    ['windows/amd64:ltsc2022', { os: 'linux', architecture: 'amd64' }, false],
  ];
  for (const [wanted, candidate, matches] of cases) {
    it(`${wanted} ${matches ? 'matches' : 'does not match'} ${formatPlatform(candidate)}`, () => {
      assert.equal(platformMatches(parsePlatform(wanted), candidate), matches);
    });
  }
  it('accepts a Windows Server name in a wanted Platform built by hand', () => {
    const wanted: Platform = { os: 'windows', architecture: 'amd64', osVersion: 'ltsc2022' };
    assert.equal(platformMatches(wanted, { os: 'windows', architecture: 'amd64', osVersion: '10.0.20348.1' }), true);
  });
});
