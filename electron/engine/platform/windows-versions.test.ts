import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WINDOWS_SERVER_RELEASES, windowsBuildForName, windowsServerName } from './windows-versions.js';

describe('windowsServerName', () => {
  const cases: Array<[osVersion: string, name: string | undefined]> = [
    ['10.0.20348.2340', 'Windows Server 2022 (ltsc2022)'],
    ['10.0.20348', 'Windows Server 2022 (ltsc2022)'],
    ['10.0.17763.5936', 'Windows Server 2019 (ltsc2019)'],
    ['10.0.26100.1742', 'Windows Server 2025 (ltsc2025)'],
    ['10.0.14393.7159', 'Windows Server 2016 (ltsc2016)'],
    ['10.0.19042.1889', 'Windows Server, version 20H2'],
    ['10.0.25398.1', 'Windows Server, version 23H2'],
    ['10.0.99999.1', undefined],
    ['10.0.203481', undefined],
    ['10.0', undefined],
    ['', undefined],
    ['ltsc2022', undefined],
    ['10.0.20348.x', undefined],
  ];
  for (const [osVersion, name] of cases) {
    it(`${JSON.stringify(osVersion)} -> ${name ?? 'undefined'}`, () => assert.equal(windowsServerName(osVersion), name));
  }
});

describe('windowsBuildForName', () => {
  const cases: Array<[name: string, build: string | undefined]> = [
    ['ltsc2019', '10.0.17763'],
    ['2019', '10.0.17763'],
    ['1809', '10.0.17763'],
    ['ltsc2022', '10.0.20348'],
    ['2022', '10.0.20348'],
    ['LTSC2022', '10.0.20348'],
    ['ltsc2025', '10.0.26100'],
    ['2025', '10.0.26100'],
    ['ltsc2016', '10.0.14393'],
    ['20H2', '10.0.19042'],
    ['ltsc2030', undefined],
    ['10.0.20348', undefined],
  ];
  for (const [name, build] of cases) {
    it(`${name} -> ${build ?? 'undefined'}`, () => assert.equal(windowsBuildForName(name), build));
  }
  it('every alias is lowercase and names one release', () => {
    const seen = new Set<string>();
    for (const release of WINDOWS_SERVER_RELEASES) {
      for (const alias of release.aliases) {
        assert.equal(alias, alias.toLowerCase());
        assert.ok(!seen.has(alias), alias);
        seen.add(alias);
      }
    }
  });
});
