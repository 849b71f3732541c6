import type { Platform } from './platform.js';

/** The text form of a platform, the inverse of parsePlatform: `linux/arm64/v8`, `windows/amd64:10.0.20348.2340`. */
export function formatPlatform(platform: Platform): string {
  return (
    `${platform.os}/${platform.architecture}` +
    (platform.variant ? `/${platform.variant}` : '') +
    (platform.osVersion ? `:${platform.osVersion}` : '')
  );
}
