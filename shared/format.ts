/** Formatting shared by the CLI, the app and reports: pure functions, no Node or DOM APIs. */

/** Bytes as people read them: `512 B`, `3.4 MB`, `29.8 GB` (decimal, like file managers and media labels). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** Seconds as `1m05s` / `42s`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** A platform record as users write it: `linux/arm64/v8`, `windows/amd64:10.0.20348.2340`. */
export function formatPlatformRecord(p: { os: string; architecture: string; variant?: string | undefined; osVersion?: string | undefined }): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}${p.osVersion ? `:${p.osVersion}` : ''}`;
}
