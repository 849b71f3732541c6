import { normalizePlatform } from './normalize-platform.js';
import type { Platform } from './platform.js';

/**
 * True when candidate (an image's platform) satisfies wanted (a user's filter): after normalization the OS,
 * architecture and variant are equal (arm64 ≡ arm64/v8), and when wanted has an osVersion the candidate's is that
 * version or extends it by `.` (`10.0.20348` matches `10.0.20348.2340`, not `10.0.203481`).
 */
export function platformMatches(wanted: Platform, candidate: Platform): boolean {
  const want = normalizePlatform(wanted);
  const have = normalizePlatform(candidate);
  if (want.os !== have.os || want.architecture !== have.architecture) return false;
  if ((want.variant ?? '') !== (have.variant ?? '')) return false;
  if (want.osVersion === undefined) return true;
  const version = have.osVersion;
  if (version === undefined) return false;
  return version === want.osVersion || version.startsWith(`${want.osVersion}.`);
}
