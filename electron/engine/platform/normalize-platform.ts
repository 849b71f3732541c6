import type { Platform } from './platform.js';
import { windowsBuildForName } from './windows-versions.js';

/**
 * The canonical form of a platform, as containerd's `platforms.Normalize`: lowercase, `macos` → darwin,
 * architecture aliases (`x86_64`/`x86-64` → amd64, `aarch64` → arm64, `armhf` → arm/v7, `armel` → arm/v6, `i386` → 386),
 * variant digits get a `v` (`7` → `v7`), arm defaults to `v7`, amd64 `v1` is no variant.
 * Unlike containerd, arm64 keeps an explicit `v8` (empty, `8`, `v8`, `v8.0` all become `v8`) so the default is visible.
 * A Windows Server name in a windows osVersion (`ltsc2022`) becomes its build.
 */
export function normalizePlatform(platform: Platform): Platform {
  let os = platform.os.trim().toLowerCase();
  if (os === 'macos') os = 'darwin';
  let architecture = platform.architecture.trim().toLowerCase();
  let variant = (platform.variant ?? '').trim().toLowerCase();

  switch (architecture) {
    case 'i386':
      architecture = '386';
      variant = '';
      break;
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      architecture = 'amd64';
      variant = withV(variant);
      if (variant === 'v1') variant = '';
      break;
    case 'aarch64':
    case 'arm64':
      architecture = 'arm64';
      variant = arm64Variant(variant);
      break;
    case 'armhf':
      architecture = 'arm';
      variant = 'v7';
      break;
    case 'armel':
      architecture = 'arm';
      variant = 'v6';
      break;
    case 'arm':
      variant = variant === '' ? 'v7' : withV(variant);
      break;
  }

  const normalized: Platform = { os, architecture };
  if (variant !== '') normalized.variant = variant;
  let osVersion = platform.osVersion?.trim();
  if (osVersion && os === 'windows') osVersion = windowsBuildForName(osVersion) ?? osVersion;
  if (osVersion) normalized.osVersion = osVersion;
  return normalized;
}

/** `7` → `v7`; anything not all digits is left alone. */
function withV(variant: string): string {
  return /^\d+$/.test(variant) ? `v${variant}` : variant;
}

/** arm64 variants: empty, `8`, `v8`, `v8.0` → `v8`; `9.0` → `v9`; `8.2` → `v8.2`; others unchanged. */
function arm64Variant(variant: string): string {
  if (variant === '') return 'v8';
  const match = /^v?(\d+)(?:\.(\d+))?$/.exec(variant);
  if (match === null) return variant;
  const [, major, minor] = match;
  return minor === undefined || minor === '0' ? `v${major}` : `v${major}.${minor}`;
}
