/** How {@link parseStrictJson} reads. */
export interface StrictJsonOptions {
  /** Deepest nesting of objects and arrays accepted (default 64: a bundle.json or a manifest needs fewer than 10). */
  maxDepth?: number;
}

/** Why a text is not strict JSON: invalid, a key twice in one object, too deep, or not UTF-8. */
export class StrictJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StrictJsonError';
  }
}

const DEFAULT_MAX_DEPTH = 64;

/**
 * Parses JSON as a security-sensitive reader must: UTF-8 only (a damaged byte is an error, not a U+FFFD),
 * nesting bounded before anything recursive sees it, and a key given twice in one object refused (JSON.parse
 * keeps the last one, while another reader may keep the first: two readers, two meanings). Throws
 * {@link StrictJsonError} saying what is wrong and where.
 */
export function parseStrictJson(input: Buffer | string, options: StrictJsonOptions = {}): unknown {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      throw new StrictJsonError('it is not valid UTF-8');
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  scan(text, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new StrictJsonError(`it is not valid JSON (${(error as Error).message})`);
  }
}

interface Level {
  object: boolean;
  keys: Set<string>;
  expectKey: boolean;
}

/** Walks the tokens once: depth and duplicate keys (syntax is left to JSON.parse, which runs only after). */
function scan(text: string, maxDepth: number): void {
  const stack: Level[] = [];
  // strings are skipped with indexOf (a native search) rather than a character at a time: the next backslash at or
  // after the current position, kept up to date, says whether one comes before the closing quote
  let backslash = text.indexOf('\\');
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      for (;;) {
        const quote = text.indexOf('"', j);
        if (quote === -1) {
          j = text.length;
          break;
        }
        if (backslash !== -1 && backslash < j) backslash = text.indexOf('\\', j);
        if (backslash === -1 || backslash > quote) {
          j = quote;
          break;
        }
        // an escape: the character after the backslash is taken as is (\" and \\ included)
        escaped = true;
        j = backslash + 2;
      }
      const top = stack[stack.length - 1];
      if (top?.object && top.expectKey) {
        let key: string;
        try {
          // a key without escapes is its own text (anything else wrong in it, JSON.parse of the whole refuses after)
          key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        } catch {
          throw new StrictJsonError(`it is not valid JSON (a bad string at offset ${i})`);
        }
        if (top.keys.has(key)) throw new StrictJsonError(`the key ${JSON.stringify(key)} appears twice in one object (at offset ${i})`);
        top.keys.add(key);
        top.expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth) throw new StrictJsonError(`it nests deeper than ${maxDepth} levels`);
      stack.push({ object: c === 0x7b, keys: new Set(), expectKey: c === 0x7b });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.object) top.expectKey = true;
    }
  }
}
