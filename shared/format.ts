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

/** What {@link escapeControl} makes visible: C0 controls, DEL, C1 controls, bidi overrides (U+202A–U+202E) and isolates (U+2066–U+2069). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Whether the text holds anything {@link escapeControl} would escape (a line feed or tab included). */
export function hasControlCharacter(text: string): boolean {
  CONTROL_CHARACTERS.lastIndex = 0;
  return CONTROL_CHARACTERS.test(text);
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Options for {@link escapeControl}. */
export interface EscapeControlOptions {
  /** Keep line feeds and tabs as they are, for text printed as several lines (default: escape them too, for a one-line field or log line). */
  multiline?: boolean;
}

/**
 * Text made safe to print on a terminal or write to a log: every C0 control (but `\n` and `\t` when
 * `multiline`), DEL, C1 control (`\u009b` is a one-byte CSI) and bidi override or isolate becomes a
 * visible escape, so nothing in it can move the cursor, clear the screen, set the window title,
 * overwrite a line (`\r`) or reorder what the reader sees, and the reader still sees something is there.
 * C0 controls read `\n`, `\r`, `\t` or `\x1b`; the others `\u009b`, `\u202e` — JSON escapes too, so
 * escaping `JSON.stringify` output (which never holds a raw C0) leaves valid JSON with the same values.
 * Backslashes are left alone (Windows paths, JSON).
 */
export function escapeControl(text: string, options: EscapeControlOptions = {}): string {
  return text.replace(CONTROL_CHARACTERS, (c) => {
    if (options.multiline && (c === '\n' || c === '\t')) return c;
    const code = c.charCodeAt(0);
    if (code < 0x20) return SHORT_ESCAPES[c] ?? `\\x${code.toString(16).padStart(2, '0')}`;
    return `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
