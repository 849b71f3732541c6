import type { RegistryHandle } from './registry.js';

/** Options for {@link skopeoFlags}. */
export interface SkopeoFlagOptions {
  /** '' for inspect/delete etc., 'src'/'dest' for `skopeo copy` (`--src-creds`, …). */
  role?: '' | 'src' | 'dest';
  /** Override the password (e.g. a wrong one); credentials are only sent when the registry has a user. */
  password?: string;
  /** Send no credentials even if the registry has some. */
  anonymous?: boolean;
}

/** skopeo flags to reach a harness registry: TLS trust (`--cert-dir`) or `--tls-verify=false`, and `--creds`. */
export function skopeoFlags(registry: Pick<RegistryHandle, 'scheme' | 'certDir' | 'username' | 'password'>, options: SkopeoFlagOptions = {}): string[] {
  const p = options.role ? `--${options.role}-` : '--';
  const flags = registry.scheme === 'https' && registry.certDir ? [`${p}cert-dir`, registry.certDir] : [`${p}tls-verify=false`];
  if (!options.anonymous && registry.username !== undefined) {
    flags.push(`${p}creds`, `${registry.username}:${options.password ?? registry.password ?? ''}`);
  }
  return flags;
}
