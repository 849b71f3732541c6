import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPlatform } from './format-platform.js';
import type { Platform } from './platform.js';

describe('formatPlatform', () => {
  const cases: Array<[Platform, string]> = [
    [{ os: 'linux', architecture: 'amd64' }, 'linux/amd64'],
    [{ os: 'linux', architecture: 'arm64', variant: 'v8' }, 'linux/arm64/v8'],
    [{ os: 'linux', architecture: 'arm', variant: 'v7' }, 'linux/arm/v7'],
    [{ os: 'windows', architecture: 'amd64', osVersion: '10.0.20348.2340' }, 'windows/amd64:10.0.20348.2340'],
    [{ os: 'windows', architecture: 'arm64', variant: 'v8', osVersion: '10.0.26100' }, 'windows/arm64/v8:10.0.26100'],
    [{ os: 'linux', architecture: 'amd64', variant: '', osVersion: '' }, 'linux/amd64'],
  ];
  for (const [platform, expected] of cases) {
    it(expected, () => assert.equal(formatPlatform(platform), expected));
  }
});
