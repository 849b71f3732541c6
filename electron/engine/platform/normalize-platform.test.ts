import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizePlatform } from './normalize-platform.js';
import type { Platform } from './platform.js';

const p = (os: string, architecture: string, variant?: string, osVersion?: string): Platform => ({
  os,
  architecture,
  ...(variant !== undefined ? { variant } : {}),
  ...(osVersion !== undefined ? { osVersion } : {}),
});

describe('normalizePlatform', () => {
  const cases: Array<[input: Platform, expected: Platform]> = [
    // amd64 and its aliases
    [p('linux', 'amd64'), p('linux', 'amd64')],
    [p('linux', 'x86_64'), p('linux', 'amd64')],
    [p('linux', 'x86-64'), p('linux', 'amd64')],
    [p('linux', 'X86_64'), p('linux', 'amd64')],
    [p('linux', 'amd64', 'v1'), p('linux', 'amd64')],
    [p('linux', 'amd64', '1'), p('linux', 'amd64')],
    [p('linux', 'amd64', 'v3'), p('linux', 'amd64', 'v3')],
    [p('linux', 'amd64', '2'), p('linux', 'amd64', 'v2')],
    // arm64
    [p('linux', 'arm64'), p('linux', 'arm64', 'v8')],
    [p('linux', 'aarch64'), p('linux', 'arm64', 'v8')],
    [p('linux', 'arm64', 'v8'), p('linux', 'arm64', 'v8')],
    [p('linux', 'arm64', '8'), p('linux', 'arm64', 'v8')],
    [p('linux', 'arm64', 'v8.0'), p('linux', 'arm64', 'v8')],
    [p('linux', 'arm64', '8.2'), p('linux', 'arm64', 'v8.2')],
    [p('linux', 'arm64', '9.0'), p('linux', 'arm64', 'v9')],
    [p('linux', 'arm64', 'V9'), p('linux', 'arm64', 'v9')],
    [p('linux', 'arm64', ''), p('linux', 'arm64', 'v8')],
    // arm
    [p('linux', 'arm'), p('linux', 'arm', 'v7')],
    [p('linux', 'arm', '7'), p('linux', 'arm', 'v7')],
    [p('linux', 'arm', 'v7'), p('linux', 'arm', 'v7')],
    [p('linux', 'arm', '6'), p('linux', 'arm', 'v6')],
    [p('linux', 'arm', 'v5'), p('linux', 'arm', 'v5')],
    [p('linux', 'armhf'), p('linux', 'arm', 'v7')],
    [p('linux', 'armel'), p('linux', 'arm', 'v6')],
    // 386
    [p('linux', 'i386'), p('linux', '386')],
    [p('linux', '386'), p('linux', '386')],
    // others pass through lowercased
    [p('Linux', 'PPC64LE'), p('linux', 'ppc64le')],
    [p('linux', 's390x'), p('linux', 's390x')],
    [p('macos', 'arm64'), p('darwin', 'arm64', 'v8')],
    // osVersion
    [p('windows', 'amd64', undefined, '10.0.20348.2340'), p('windows', 'amd64', undefined, '10.0.20348.2340')],
    [p('windows', 'amd64', undefined, 'ltsc2022'), p('windows', 'amd64', undefined, '10.0.20348')],
    [p('windows', 'amd64', undefined, ''), p('windows', 'amd64')],
    [p('linux', 'amd64', undefined, 'ltsc2022'), p('linux', 'amd64', undefined, 'ltsc2022')],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => assert.deepEqual(normalizePlatform(input), expected));
  }
  it('does not modify its argument', () => {
    const input = p('linux', 'aarch64');
    normalizePlatform(input);
    assert.deepEqual(input, p('linux', 'aarch64'));
  });
  it('is idempotent', () => {
    for (const [input] of cases) {
      const once = normalizePlatform(input);
      assert.deepEqual(normalizePlatform(once), once);
    }
  });
});
