import type { SettingsView } from '../../../shared/api-contract.js';
import { defaultCacheDir } from '../cache/blob-cache.js';
import { FerryError } from '../errors/ferry-error.js';
import { chainCredentials, defaultCredentialResolver, type CredentialResolver } from '../registry/credentials.js';
import { registryKey } from '../registry/auth-file-credentials.js';
import type { RegistryClientOptions } from '../registry/registry-client.js';

/** One registry's settings as the host keeps them (the password never leaves the host). */
export interface RegistrySetting {
  host: string;
  username?: string;
  password?: string;
  caFile?: string;
  insecure?: boolean;
}

/** The app's settings for one host session: registries and their logins, concurrency, cache folder. In memory only. */
export interface SessionSettings {
  /** The settings without secrets. */
  view(): SettingsView;
  /** Adds or replaces a registry's settings (an omitted password keeps the one already kept for that host and user). */
  setRegistry(setting: RegistrySetting): SettingsView;
  /** Forgets a registry's settings; false when there were none. */
  removeRegistry(host: string): boolean;
  /** Changes concurrency and/or the cache folder. */
  setOptions(options: { concurrency?: number; cacheDir?: string }): SettingsView;
  /**
   * Registry client options for a job: the kept logins first (then docker's and containers' credential files),
   * the kept CA files and insecure hosts, merged with the job's own insecure hosts.
   */
  registryOptions(extraInsecure?: string[]): RegistryClientOptions;
  /** A number that changes whenever a registry setting or login changes (clients made before it are stale). */
  revision?(): number;
}

/** Options for {@link createSessionSettings}. */
export interface SessionSettingsOptions {
  /** Where logins not kept here come from (default: docker's and containers' credential files). */
  fallbackCredentials?: CredentialResolver;
  concurrency?: number;
  cacheDir?: string;
}

/** `host[:port]` as the registry client keys it; refuses a scheme, path or blank. */
function normalizeHost(host: string): string {
  const trimmed = host.trim().replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (trimmed === '' || /[\s/]/.test(trimmed)) {
    throw new FerryError('bad-usage', `"${host.slice(0, 100)}" is not a registry host: write host or host:port (registry.corp.example:5000).`, { subject: host.slice(0, 100) });
  }
  return registryKey(trimmed);
}

/** Makes the in-memory settings of one host session. */
export function createSessionSettings(options: SessionSettingsOptions = {}): SessionSettings {
  const registries = new Map<string, RegistrySetting>();
  const fallback = options.fallbackCredentials ?? defaultCredentialResolver();
  let concurrency = options.concurrency ?? 8;
  let cacheDir = options.cacheDir ?? defaultCacheDir();

  const view = (): SettingsView => ({
    registries: [...registries.values()].map((r) => ({
      host: r.host,
      ...(r.username !== undefined ? { username: r.username } : {}),
      hasPassword: r.password !== undefined,
      ...(r.caFile !== undefined ? { caFile: r.caFile } : {}),
      insecure: r.insecure ?? false,
    })),
    concurrency,
    cacheDir,
  });

  // the logins kept here first, then docker's and containers' credential files
  const kept: CredentialResolver = async (registry) => {
    const setting = registries.get(registryKey(registry));
    if (setting?.password === undefined) return undefined;
    return { password: setting.password, ...(setting.username !== undefined ? { username: setting.username } : {}) };
  };
  const credentials = chainCredentials(kept, fallback);
  let revision = 0;

  return {
    view,
    revision: () => revision,
    setRegistry(setting) {
      const host = normalizeHost(setting.host);
      revision++;
      const previous = registries.get(host);
      const username = setting.username?.trim() || undefined;
      const password = setting.password !== undefined && setting.password !== '' ? setting.password : previous && previous.username === username ? previous.password : undefined;
      registries.set(host, {
        host,
        ...(username !== undefined ? { username } : {}),
        ...(password !== undefined ? { password } : {}),
        ...(setting.caFile?.trim() ? { caFile: setting.caFile.trim() } : {}),
        ...(setting.insecure ? { insecure: true } : {}),
      });
      return view();
    },
    removeRegistry(host) {
      const removed = registries.delete(normalizeHost(host));
      if (removed) revision++;
      return removed;
    },
    setOptions(next) {
      if (next.concurrency !== undefined) {
        if (!Number.isInteger(next.concurrency) || next.concurrency < 1 || next.concurrency > 64) {
          throw new FerryError('bad-usage', `Concurrency must be a whole number from 1 to 64, not ${String(next.concurrency)}.`, { subject: 'concurrency' });
        }
        concurrency = next.concurrency;
      }
      if (next.cacheDir !== undefined) cacheDir = next.cacheDir;
      return view();
    },
    registryOptions(extraInsecure = []) {
      const list = [...registries.values()];
      const insecure = [...new Set([...list.filter((r) => r.insecure).map((r) => r.host), ...extraInsecure])];
      const caFiles = [...new Set(list.flatMap((r) => (r.caFile ? [r.caFile] : [])))];
      return {
        credentials,
        ...(insecure.length > 0 ? { insecureRegistries: insecure } : {}),
        ...(caFiles.length > 0 ? { caFiles } : {}),
      };
    },
  };
}
