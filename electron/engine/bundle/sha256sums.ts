/** One line of a coreutils `SHA256SUMS` file. */
export interface SumLine {
  sha256: string;
  name: string;
}

/** Formats lines exactly as `sha256sum` prints them (text mode: two spaces), so `sha256sum -c` reads them. */
export function formatSha256Sums(lines: SumLine[]): string {
  return lines.map((l) => `${l.sha256}  ${l.name}\n`).join('');
}

/** A `SHA256SUMS` file read line by line: the good lines, and the numbers (1-based) of the malformed ones. */
export interface SumsListing {
  lines: (SumLine & { line: number })[];
  malformed: number[];
}

/**
 * Reads a `SHA256SUMS` file as `sha256sum -c` does, keeping going past bad lines: text (`  `) and
 * binary (` *`) markers, `\`-escaped names, `#` comments, blank lines and CRLF endings.
 */
export function readSha256Sums(text: string): SumsListing {
  const listing: SumsListing = { lines: [], malformed: [] };
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.startsWith('#')) return;
    const m = /^(\\?)([a-fA-F0-9]{64}) [ *](.+)$/.exec(line);
    const name = m ? (m[1] ? unescapeName(m[3]!) : m[3]!) : undefined;
    if (!m || name === undefined) listing.malformed.push(i + 1);
    else listing.lines.push({ sha256: m[2]!.toLowerCase(), name, line: i + 1 });
  });
  return listing;
}

function unescapeName(name: string): string | undefined {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    if (name[i] !== '\\') {
      out += name[i];
      continue;
    }
    const next = name[++i];
    if (next === '\\') out += '\\';
    else if (next === 'n') out += '\n';
    else return undefined;
  }
  return out;
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
