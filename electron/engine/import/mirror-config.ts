import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DOCKER_HUB_REGISTRY, registryApiHost } from '../reference/docker-hub.js';
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

function planSources(repos: readonly MirroredRepository[]): SourcePlan[] {
  const bySource = new Map<string, MirroredRepository[]>();
  for (const r of repos) bySource.set(r.sourceRegistry, [...(bySource.get(r.sourceRegistry) ?? []), r]);
  return [...bySource].map(([registry, list]) => {
    const prefixes = new Set(
      list.map((r) => (r.targetRepository === r.sourceRepository ? '' : r.targetRepository.endsWith(`/${r.sourceRepository}`) ? r.targetRepository.slice(0, -r.sourceRepository.length - 1) : '\0')),
    );
    const only = prefixes.size === 1 ? [...prefixes][0]! : '\0';
    return { registry, ...(only !== '\0' ? { prefix: only } : {}), renames: new Map(list.map((r) => [r.sourceRepository, r.targetRepository])) };
  });
}

const q = (s: string): string => JSON.stringify(s);

/** containerd's `hosts.toml` for one source registry: pull and resolve from the target, under the prefix (override_path). */
export function hostsToml(source: string, prefix: string, target: MirrorTarget): string {
  const base = `${target.scheme}://${target.registry}`;
  const host = prefix === '' ? base : `${base}/v2/${prefix}`;
  const upstream = source === DOCKER_HUB_REGISTRY ? `https://${registryApiHost(source)}` : `https://${source}`;
  return [
    `# Written by ferry import: pull ${source} images from the air-gapped registry ${target.registry}.`,
    `server = ${q(upstream)}`,
    '',
    `[host.${q(host)}]`,
    '  capabilities = ["pull", "resolve"]',
    ...(prefix !== '' ? ['  override_path = true'] : []),
    ...(target.skipVerify ? ['  skip_verify = true'] : []),
    ...(target.caFile ? [`  ca = ${q(target.caFile)}`] : []),
    '',
  ].join('\n');
}

/** A k3s `registries.yaml`: every source registry mirrored to the target, with rewrite rules where paths change. */
export function k3sRegistriesYaml(plans: readonly SourcePlan[], target: MirrorTarget): string {
  const endpoint = `${target.scheme}://${target.registry}`;
  const lines = ['# Written by ferry import: copy to /etc/rancher/k3s/registries.yaml on every node.', 'mirrors:'];
  for (const plan of plans) {
    lines.push(`  ${q(plan.registry)}:`, '    endpoint:', `      - ${q(endpoint)}`);
    const rewrites: [string, string][] =
      plan.prefix !== undefined
        ? plan.prefix === ''
          ? []
          : [['^(.*)$', `${plan.prefix}/$1`]]
        : [...plan.renames].map(([from, to]) => [`^${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, to]);
    if (rewrites.length > 0) {
      lines.push('    rewrite:');
      for (const [from, to] of rewrites) lines.push(`      ${q(from)}: ${q(to)}`);
    }
  }
  if (target.skipVerify || target.caFile) {
    lines.push('configs:', `  ${q(target.registry)}:`, '    tls:');
    if (target.skipVerify) lines.push('      insecure_skip_verify: true');
    if (target.caFile) lines.push(`      ca_file: ${q(target.caFile)}`);
  }
  return `${lines.join('\n')}\n`;
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
      warnings.push(`The images of ${plan.registry} do not share one path prefix on ${target.registry} (--map), so no containerd hosts.toml was written for it; registries.yaml has exact rewrites.`);
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
  const files: string[] = [];
  for (const { source, text: toml } of text.hostsToml) {
    const folder = join(dir, source);
    await mkdir(folder, { recursive: true });
    const file = join(folder, 'hosts.toml');
    await writeFileAtomic(file, toml);
    files.push(file);
  }
  await mkdir(dir, { recursive: true });
  const yaml = join(dir, 'registries.yaml');
  await writeFileAtomic(yaml, text.registriesYaml);
  files.push(yaml);
  return { files, warnings: text.warnings };
}
