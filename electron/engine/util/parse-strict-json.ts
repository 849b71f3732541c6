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
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if (d === 0x5c /* \ */) j += 2;
        else if (d === 0x22) break;
        else j++;
      }
      const top = stack[stack.length - 1];
      if (top?.object && top.expectKey) {
        let key: string;
        try {
          key = JSON.parse(text.slice(i, j + 1)) as string;
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
