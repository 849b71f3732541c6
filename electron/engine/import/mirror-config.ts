import { lstat, mkdir, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Document, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { escapeControl } from '../../../shared/format.js';
import { FerryError } from '../errors/ferry-error.js';
import { DOCKER_HUB_REGISTRY, registryApiHost } from '../reference/docker-hub.js';
import { registryProblem } from '../reference/parse-reference.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';

/** One imported repository: where it came from and where it now lives. */
export interface MirroredRepository {
  sourceRegistry: string;
  sourceRepository: string;
  targetRepository: string;
}

/** How nodes reach the target registry. */
export interface MirrorTarget {
  /** `host[:port]`. */
  registry: string;
  scheme: 'https' | 'http';
  /** HTTPS whose certificate nodes should not check (`--insecure-registry` over TLS). */
  skipVerify?: boolean;
  /** A CA file for the target's certificate (written into the config as given: it must exist at that path on the nodes). */
  caFile?: string;
}

/** How one source registry maps onto the target: one path prefix for all its repositories, or per-repository renames. */
interface SourcePlan {
  registry: string;
  /** The shared target prefix ('' for none), when every repository of this source keeps its path under one prefix. */
  prefix?: string;
  /** Exact renames when no shared prefix exists. */
  renames: Map<string, string>;
}

/** The files {@link writeMirrorConfig} wrote, and sources it could not express as a containerd mirror. */
export interface MirrorConfigResult {
  files: string[];
  warnings: string[];
}

/**
 * Refuses a source registry that is not a registry `host[:port]` by the reference grammar: the name becomes a
 * folder under DIR and a value in hosts.toml and registries.yaml, so `../x`, a path or a line break is never used.
 */
export function assertSourceRegistry(registry: string): void {
  const problem = registryProblem(registry);
  if (problem === undefined) return;
  throw new FerryError(
    'bad-bundle',
    `The bundle names the source registry ${JSON.stringify(registry)}, which is not a registry host[:port] (${escapeControl(problem)}); no mirror configuration is written for it.`,
    { subject: JSON.stringify(registry) },
  );
}

function planSources(repos: readonly MirroredRepository[]): SourcePlan[] {
  const bySource = new Map<string, MirroredRepository[]>();
  for (const r of repos) {
    assertSourceRegistry(r.sourceRegistry);
    bySource.set(r.sourceRegistry, [...(bySource.get(r.sourceRegistry) ?? []), r]);
  }
  return [...bySource].map(([registry, list]) => {
    const prefixes = new Set(
      list.map((r) => (r.targetRepository === r.sourceRepository ? '' : r.targetRepository.endsWith(`/${r.sourceRepository}`) ? r.targetRepository.slice(0, -r.sourceRepository.length - 1) : '\0')),
    );
    const only = prefixes.size === 1 ? [...prefixes][0]! : '\0';
    return { registry, ...(only !== '\0' ? { prefix: only } : {}), renames: new Map(list.map((r) => [r.sourceRepository, r.targetRepository])) };
  });
}

/** Characters a TOML basic string must escape: controls (tab too, for one line per value), DEL, the quote and the backslash. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const TOML_ESCAPE = /[\u0000-\u001f\u007f"\\]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A TOML basic string (`"…"`) holding exactly `value`: every control character, DEL, `"` and `\` escaped, so no
 * value can end the string, start a new line or add a table. A string that is not well-formed UTF-16 (a lone
 * surrogate) has no TOML form and is refused.
 */
export function tomlString(value: string): string {
  if (LONE_SURROGATE.test(value)) throw new FerryError('bad-usage', `${JSON.stringify(value)} holds a lone surrogate; it cannot be written into hosts.toml.`);
  return `"${value.replace(TOML_ESCAPE, (c) => (c === '"' ? '\\"' : c === '\\' ? '\\\\' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))}"`;
}

/** containerd's `hosts.toml` for one source registry: pull and resolve from the target, under the prefix (override_path). */
export function hostsToml(source: string, prefix: string, target: MirrorTarget): string {
  assertSourceRegistry(source);
  const base = `${target.scheme}://${target.registry}`;
  const host = prefix === '' ? base : `${base}/v2/${prefix}`;
  const upstream = source === DOCKER_HUB_REGISTRY ? `https://${registryApiHost(source)}` : `https://${source}`;
  return [
    // no value in the comment: a comment ends only at a line break, which no escaping can express there
    '# Written by ferry import: pull this source registry\'s images from the air-gapped registry below.',
    `server = ${tomlString(upstream)}`,
    '',
    `[host.${tomlString(host)}]`,
    '  capabilities = ["pull", "resolve"]',
    ...(prefix !== '' ? ['  override_path = true'] : []),
    ...(target.skipVerify ? ['  skip_verify = true'] : []),
    ...(target.caFile ? [`  ca = ${tomlString(target.caFile)}`] : []),
    '',
  ].join('\n');
}

/** A YAML double-quoted scalar: every value (registry, URL, pattern, path) is written quoted and escaped by the `yaml` package. */
function quoted(value: string): Scalar<string> {
  const scalar = new Scalar(value);
  scalar.type = Scalar.QUOTE_DOUBLE;
  return scalar;
}

/** A YAML mapping from its pairs, in order. */
function mapOf(pairs: [string | Scalar<string>, unknown][]): YAMLMap {
  const map = new YAMLMap();
  for (const [key, value] of pairs) map.items.push(new Pair(typeof key === 'string' ? new Scalar(key) : key, value));
  return map;
}

/** A k3s `registries.yaml`: every source registry mirrored to the target, with rewrite rules where paths change. */
export function k3sRegistriesYaml(plans: readonly SourcePlan[], target: MirrorTarget): string {
  const endpoint = `${target.scheme}://${target.registry}`;
  const mirrors = mapOf(
    plans.map((plan) => {
      assertSourceRegistry(plan.registry);
      const rewrites: [string, string][] =
        plan.prefix !== undefined
          ? plan.prefix === ''
            ? []
            : [['^(.*)$', `${plan.prefix}/$1`]]
          : [...plan.renames].map(([from, to]) => [`^${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, to]);
      const seq = new YAMLSeq();
      seq.items.push(quoted(endpoint));
      return [quoted(plan.registry), mapOf([['endpoint', seq], ...(rewrites.length > 0 ? [['rewrite', mapOf(rewrites.map(([from, to]) => [quoted(from), quoted(to)]))] as [string, unknown]] : [])])];
    }),
  );
  const top: [string, unknown][] = [['mirrors', mirrors]];
  if (target.skipVerify || target.caFile) {
    const tls: [string, unknown][] = [];
    if (target.skipVerify) tls.push(['insecure_skip_verify', new Scalar(true)]);
    if (target.caFile) tls.push(['ca_file', quoted(target.caFile)]);
    top.push(['configs', mapOf([[quoted(target.registry), mapOf([['tls', mapOf(tls)]])]])]);
  }
  const doc = new Document(mapOf(top));
  doc.commentBefore = ' Written by ferry import: copy to /etc/rancher/k3s/registries.yaml on every node.';
  return doc.toString({ lineWidth: 0 });
}

/** The mirror configuration as text: one containerd `hosts.toml` per source registry, the k3s `registries.yaml`, and warnings. */
export interface MirrorConfigText {
  /** `source` is the source registry: the file goes to `<config_path>/<source>/hosts.toml`. */
  hostsToml: { source: string; text: string }[];
  registriesYaml: string;
  warnings: string[];
}

/**
 * Builds the mirror configuration as text (what {@link writeMirrorConfig} writes). A source whose repositories do not
 * share one target prefix gets no hosts.toml, and a warning.
 */
export function mirrorConfigText(repos: readonly MirroredRepository[], target: MirrorTarget): MirrorConfigText {
  const plans = planSources(repos);
  const hosts: MirrorConfigText['hostsToml'] = [];
  const warnings: string[] = [];
  for (const plan of plans) {
    if (plan.prefix === undefined) {
      warnings.push(`The images of ${plan.registry} do not share one path prefix on ${target.registry} (the map rules), so no containerd hosts.toml was written for it; registries.yaml has exact rewrites.`);
      continue;
    }
    hosts.push({ source: plan.registry, text: hostsToml(plan.registry, plan.prefix, target) });
  }
  return { hostsToml: hosts, registriesYaml: k3sRegistriesYaml(plans, target), warnings };
}

/**
 * Writes `DIR/<source-host>/hosts.toml` for each source registry (containerd's `config_path` layout) and
 * `DIR/registries.yaml` for k3s. A source whose repositories do not share one target prefix (some `--map` rules)
 * cannot be a containerd mirror; it is left out of hosts.toml with a warning (k3s gets exact rewrites for it).
 */
export async function writeMirrorConfig(dir: string, repos: readonly MirroredRepository[], target: MirrorTarget): Promise<MirrorConfigResult> {
  const text = mirrorConfigText(repos, target);
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const realRoot = await realpath(root);
  const files: string[] = [];
  for (const { source, text: toml } of text.hostsToml) {
    const folder = await sourceFolder(root, realRoot, source);
    const file = join(folder, 'hosts.toml');
    await writeFileAtomic(file, toml);
    files.push(file);
  }
  const yaml = join(root, 'registries.yaml');
  await writeFileAtomic(yaml, text.registriesYaml);
  files.push(yaml);
  return { files, warnings: text.warnings };
}

/**
 * `DIR/<source>`, made when absent, proven to be a folder directly inside DIR: the name is one path component
 * (checked by the grammar, and again here), and an existing entry that is a link or not a folder is refused,
 * so nothing is ever written outside DIR.
 */
async function sourceFolder(root: string, realRoot: string, source: string): Promise<string> {
  assertSourceRegistry(source);
  const folder = resolve(root, source);
  const rel = relative(root, folder);
  const outside = (why: string): FerryError =>
    new FerryError('bad-bundle', `The mirror configuration for ${JSON.stringify(source)} would not be a folder inside ${root} (${why}); nothing was written for it.`, { subject: folder });
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel !== source) throw outside('the name is not one plain folder name');
  const found = await lstat(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (found?.isSymbolicLink()) throw outside(`${folder} is a symbolic link`);
  if (found && !found.isDirectory()) throw outside(`${folder} is not a folder`);
  if (!found) await mkdir(folder);
  if ((await realpath(folder)) !== join(realRoot, source)) throw outside(`${folder} resolves elsewhere`);
  return folder;
}

