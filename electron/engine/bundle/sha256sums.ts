/** One line of a coreutils `SHA256SUMS` file. */
export interface SumLine {
  sha256: string;
  name: string;
}

/** Formats lines exactly as `sha256sum` prints them (text mode: two spaces), so `sha256sum -c` reads them. */
export function formatSha256Sums(lines: SumLine[]): string {
  return lines.map((l) => `${l.sha256}  ${l.name}\n`).join('');
}

/** Parses a `SHA256SUMS` file (text or binary mode markers); throws on a malformed line. */
export function parseSha256Sums(text: string): SumLine[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const m = /^([a-f0-9]{64}) [ *](.+)$/.exec(line);
      if (!m) throw new Error(`SHA256SUMS line ${i + 1} is malformed`);
      return { sha256: m[1]!, name: m[2]! };
    });
}
