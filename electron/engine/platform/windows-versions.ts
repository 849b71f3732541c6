/** A Windows Server release that Windows container images are built for. */
export interface WindowsServerRelease {
  /** `major.minor.build`, the prefix of the `os.version` its images carry: `10.0.20348`. */
  build: string;
  /** How UIs name it: `Windows Server 2022 (ltsc2022)`. */
  name: string;
  /** Lowercase names users may give instead of the build: `ltsc2022`, `2022`. */
  aliases: readonly string[];
}

/** Known Windows Server releases, oldest first. */
export const WINDOWS_SERVER_RELEASES: readonly WindowsServerRelease[] = [
  { build: '10.0.14393', name: 'Windows Server 2016 (ltsc2016)', aliases: ['ltsc2016', '2016', '1607'] },
  { build: '10.0.16299', name: 'Windows Server, version 1709', aliases: ['1709'] },
  { build: '10.0.17134', name: 'Windows Server, version 1803', aliases: ['1803'] },
  { build: '10.0.17763', name: 'Windows Server 2019 (ltsc2019)', aliases: ['ltsc2019', '2019', '1809'] },
  { build: '10.0.18362', name: 'Windows Server, version 1903', aliases: ['1903'] },
  { build: '10.0.18363', name: 'Windows Server, version 1909', aliases: ['1909'] },
  { build: '10.0.19041', name: 'Windows Server, version 2004', aliases: ['2004'] },
  { build: '10.0.19042', name: 'Windows Server, version 20H2', aliases: ['20h2'] },
  { build: '10.0.20348', name: 'Windows Server 2022 (ltsc2022)', aliases: ['ltsc2022', '2022'] },
  { build: '10.0.25398', name: 'Windows Server, version 23H2', aliases: ['23h2'] },
  { build: '10.0.26100', name: 'Windows Server 2025 (ltsc2025)', aliases: ['ltsc2025', '2025'] },
];

/** The build (`10.0.20348`) a Windows Server name (`ltsc2022`, `2022`, `1809`; any case) stands for, or undefined. */
export function windowsBuildForName(name: string): string | undefined {
  const wanted = name.trim().toLowerCase();
  return WINDOWS_SERVER_RELEASES.find((release) => release.aliases.includes(wanted))?.build;
}

/** The Windows Server release name for an `os.version` (`10.0.20348.2340` → `Windows Server 2022 (ltsc2022)`), or undefined. */
export function windowsServerName(osVersion: string): string | undefined {
  const match = /^(\d+\.\d+\.\d+)(?:\.\d+)*$/.exec(osVersion.trim());
  if (match === null) return undefined;
  return WINDOWS_SERVER_RELEASES.find((release) => release.build === match[1])?.name;
}
