import { FerryError } from '../errors/ferry-error.js';
import { parseReference } from '../reference/parse-reference.js';

/** Where an import goes: a registry `host[:port]` and an optional path prefix (`mirror`, `team/images`). */
export interface ImportTarget {
  registry: string;
  /** Path prefix without leading or trailing slashes; '' for none. */
  prefix: string;
}

/** One `--map SRC=DST` rule: the source `registry/path` prefix and the target path it becomes (under the target registry). */
export interface MapRule {
  /** As written, for the report and messages. */
  text: string;
  /** `docker.io/library` (a registry, optionally followed by a path prefix). */
  from: string;
  /** Target path prefix (the target host removed): `mirror/lib`. */
  to: string;
}

/** Looks like a registry host: has a dot or a colon, or is `localhost` (docker's rule for the first name component). */
function looksLikeHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

/** Parses `--to HOST[:PORT][/PREFIX]`; bad-usage when it names no registry host. */
export function parseImportTarget(to: string): ImportTarget {
  const text = to.trim().replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
  const slash = text.indexOf('/');
  const registry = (slash === -1 ? text : text.slice(0, slash)).toLowerCase();
  const prefix = slash === -1 ? '' : text.slice(slash + 1).replace(/^\/+/, '');
  if (registry === '' || !looksLikeHost(registry)) {
    throw new FerryError('bad-usage', `The target "${to}" does not start with a registry host; write HOST[:PORT][/PREFIX], e.g. registry.local:5000/mirror.`, { subject: to });
  }
  // the reference grammar checks the host and the prefix's path components
  parseReference(`${registry}/${prefix === '' ? 'x' : `${prefix}/x`}`);
  return { registry, prefix };
}

/** Parses one `--map SRC=DST`; DST may start with the target host or be a path under it. */
export function parseMapRule(text: string, target: ImportTarget): MapRule {
  const eq = text.indexOf('=');
  const from = (eq === -1 ? '' : text.slice(0, eq)).trim().replace(/\/+$/, '');
  let to = (eq === -1 ? '' : text.slice(eq + 1)).trim().replace(/\/+$/, '');
  if (from === '' || to === '') throw new FerryError('bad-usage', `Map rule "${text}" must be SRC=DST, e.g. docker.io/library=${target.registry}/mirror/lib.`, { subject: text });
  const first = to.split('/')[0]!;
  if (looksLikeHost(first)) {
    if (first.toLowerCase() !== target.registry) {
      throw new FerryError('bad-usage', `Map rule "${text}" points at ${first}, but the import goes to ${target.registry}; every image goes to the target registry.`, { subject: text });
    }
    to = to.slice(first.length).replace(/^\/+/, '');
  }
  if (to === '') throw new FerryError('bad-usage', `Map rule "${text}" maps to the registry root; name a path, e.g. ${target.registry}/mirror.`, { subject: text });
  parseReference(`${target.registry}/${to}/x`);
  return { text, from: from.toLowerCase(), to };
}

/**
 * The target repository path (under the target registry) for a source `registry/repository`: the longest `--map` rule
 * whose source is a whole-component prefix of it, else PREFIX + the source path (the source registry dropped).
 */
export function mapRepository(sourceRegistry: string, sourceRepository: string, target: ImportTarget, rules: readonly MapRule[]): { repository: string; rule?: MapRule } {
  const name = `${sourceRegistry}/${sourceRepository}`;
  let best: MapRule | undefined;
  for (const rule of rules) {
    if ((name === rule.from || name.startsWith(`${rule.from}/`)) && (!best || rule.from.length > best.from.length)) best = rule;
  }
  if (best) {
    const rest = name.slice(best.from.length).replace(/^\//, '');
    return { repository: rest === '' ? best.to : `${best.to}/${rest}`, rule: best };
  }
  return { repository: target.prefix === '' ? sourceRepository : `${target.prefix}/${sourceRepository}` };
}
