import type { ArchivePart } from '../../../shared/bundle-manifest.js';

/** The data parts of an archive with the byte range of the whole archive each holds. */
export class PartRanges {
  private readonly starts: number[] = [];

  constructor(readonly parts: readonly ArchivePart[]) {
    let start = 0;
    for (const part of parts) {
      this.starts.push(start);
      start += part.size;
    }
  }

  /** Names of the parts holding archive bytes [start, end); the part holding `start` when the range is empty. */
  namesOf(start: number, end: number = start): string[] {
    const names: string[] = [];
    for (let i = 0; i < this.parts.length; i++) {
      const from = this.starts[i]!;
      const to = from + this.parts[i]!.size;
      const holds = end > start ? from < end && start < to : start >= from && start < to;
      if (holds) names.push(this.parts[i]!.name);
    }
    // past the end (a marker in the last bytes, a damaged size pointing beyond): the last part
    if (names.length === 0 && this.parts.length > 0 && start >= this.starts.at(-1)!) names.push(this.parts.at(-1)!.name);
    return names;
  }
}

/** `a`, `a and b`, `a, b and c`. */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
