import { parseAllDocuments } from 'yaml';

/**
 * Best-effort image references a chart may need: in values.yaml, `image: "ref"` and
 * `image: { repository, tag | digest, registry? }` at any depth; in templates, literal
 * `image: ref` lines (templated ones, with `{{`, are skipped). Never complete, never added.
 */
export function discoverChartImages(valuesYaml: string | undefined, templates: string[]): string[] {
  const found = new Set<string>();
  if (valuesYaml !== undefined) {
    try {
      for (const doc of parseAllDocuments(valuesYaml)) walk(doc.toJS() as unknown, found);
    } catch {
      // a values.yaml that does not parse yields nothing
    }
  }
  for (const text of templates) {
    for (const m of text.matchAll(/^\s*-?\s*image:\s*["']?([^"'\s{}#]+)["']?\s*(?:#.*)?$/gm)) {
      if (looksLikeImage(m[1]!)) found.add(m[1]!);
    }
  }
  return [...found].sort();
}

function walk(node: unknown, found: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, found);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (key === 'image') {
      if (typeof value === 'string' && looksLikeImage(value)) found.add(value);
      else if (value && typeof value === 'object' && !Array.isArray(value)) {
        const v = value as Record<string, unknown>;
        if (typeof v.repository === 'string' && v.repository !== '') {
          const repo = typeof v.registry === 'string' && v.registry !== '' ? `${v.registry}/${v.repository}` : v.repository;
          const tag = typeof v.tag === 'string' || typeof v.tag === 'number' ? `:${String(v.tag)}` : '';
          const digest = typeof v.digest === 'string' && v.digest !== '' ? `@${v.digest}` : '';
          if (tag === ':' && !digest) found.add(repo);
          else found.add(`${repo}${tag === ':' ? '' : tag}${digest}`);
        }
      }
    }
    walk(value, found);
  }
}

function looksLikeImage(value: string): boolean {
  return /^[a-z0-9][a-z0-9._\-/:@]*$/i.test(value) && !value.includes('{{');
}
