/** A parser for `WWW-Authenticate` headers (RFC 9110 §11.6.1), tolerant of what registries send. */

/** One authentication challenge: a lower-cased scheme and its parameters (names lower-cased; a bare token68 under `token68`). */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*(?=[ \t]*(,|$))/;

/** Parses one or more `WWW-Authenticate` header values into challenges; unparseable parts are skipped. */
export function parseWwwAuthenticate(header: string | string[] | undefined): AuthChallenge[] {
  if (header === undefined) return [];
  const values = Array.isArray(header) ? header : [header];
  return values.flatMap(parseOne);
}

function parseOne(input: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  const n = input.length;
  let i = 0;
  let current: AuthChallenge | undefined;

  const skipSpace = (): void => {
    while (i < n && (input[i] === ' ' || input[i] === '\t')) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < n && TOKEN_CHAR.test(input[i]!)) i++;
    return input.slice(start, i);
  };
  const readQuoted = (): string => {
    i++; // opening quote
    let out = '';
    while (i < n && input[i] !== '"') {
      if (input[i] === '\\' && i + 1 < n) i++;
      out += input[i];
      i++;
    }
    i++; // closing quote (or past the end)
    return out;
  };
  const readValue = (): string => {
    skipSpace();
    return input[i] === '"' ? readQuoted() : readToken();
  };

  while (i < n) {
    while (i < n && (input[i] === ' ' || input[i] === '\t' || input[i] === ',')) i++;
    if (i >= n) break;
    const word = readToken();
    if (word === '') {
      i++; // a stray character: skip it
      continue;
    }
    skipSpace();
    if (input[i] === '=') {
      i++;
      const value = readValue();
      if (current) current.params[word.toLowerCase()] = value;
      continue;
    }
    current = { scheme: word.toLowerCase(), params: {} };
    challenges.push(current);
    const token68 = TOKEN68.exec(input.slice(i));
    if (token68) {
      current.params['token68'] = token68[0];
      i += token68[0].length;
    }
  }
  return challenges;
}
