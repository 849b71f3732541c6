import { FerryError } from '../errors/ferry-error.js';
import type { Platform } from './platform.js';
import { windowsBuildForName } from './windows-versions.js';

/** What an os, architecture or variant may hold (containerd's specifier pattern, lowercased). */
const SPECIFIER = /^[a-z0-9_.-]+$/;
/** A dotted version number: `10.0.20348`, `10.0.20348.2340`. */
const OS_VERSION = /^\d+(?:\.\d+)*$/;

/**
 * Parses `os/arch[/variant][:osversion]` (`linux/arm/v7`, `windows/amd64:10.0.20348`, `windows/amd64:ltsc2022`).
 * Windows Server names (`ltsc2019`, `1809`, `ltsc2022`, `2022`, `ltsc2025`, `2025`, ...) become their build.
 * Lowercases the parts but does not normalize aliases (see normalizePlatform). Throws FerryError('bad-platform').
 */
export function parsePlatform(spec: string): Platform {
  const text = spec.trim();
  const fail = (why: string): FerryError =>
    new FerryError('bad-platform', `invalid platform "${text}": ${why}`, { subject: text });

  if (text === '') throw fail('the platform is empty');
  const colon = text.indexOf(':');
  const path = colon === -1 ? text : text.slice(0, colon);
  const parts = path.split('/');
  if (parts.length < 2 || parts.length > 3) {
    throw fail('expected os/architecture[/variant][:osversion], e.g. "linux/amd64" or "windows/amd64:ltsc2022"');
  }

  const labels = ['OS', 'architecture', 'variant'];
  const [os, architecture, variant] = parts.map((part, index) => {
    const value = part.toLowerCase();
    if (value === '') throw fail(`the ${labels[index]} is empty`);
    if (!SPECIFIER.test(value)) throw fail(`${labels[index]} "${part}" may contain only letters, digits, '_', '.' and '-'`);
    return value;
  }) as [string, string, string | undefined];

  const platform: Platform = { os, architecture };
  if (variant !== undefined) platform.variant = variant;
  if (colon !== -1) platform.osVersion = parseOsVersion(text.slice(colon + 1), os, fail);
  return platform;
}

/** The OS version after the colon, with Windows Server names turned into builds. */
function parseOsVersion(value: string, os: string, fail: (why: string) => FerryError): string {
  if (value === '') throw fail('the OS version after ":" is empty');
  const build = windowsBuildForName(value);
  if (os === 'windows' && build !== undefined) return build;
  if (OS_VERSION.test(value)) return value;
  if (build !== undefined) throw fail(`"${value}" names a Windows Server release, but the OS is "${os}"`);
  throw fail(`OS version "${value}" is neither a version number like 10.0.20348 nor a Windows Server name like ltsc2022`);
}
