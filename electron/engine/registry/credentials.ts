import { homedir } from 'node:os';
import { join } from 'node:path';
import { authKeyRegistry, credentialFromAuthFile, registryKey } from './auth-file-credentials.js';

/** A login for one registry: a user name and password, or an identity (refresh) token. */
export interface Credential {
  username?: string;
  password?: string;
  identityToken?: string;
}

/** Finds the login for a registry (as users name it, e.g. `docker.io`, `localhost:5000`); undefined means anonymous. */
export type CredentialResolver = (registry: string) => Promise<Credential | undefined>;

/**
 * The credential files consulted, in order: docker's `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`),
 * then containers' `$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`,
 * `$XDG_CONFIG_HOME/containers/auth.json` (default `~/.config/containers/auth.json`).
 */
export function credentialFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME || homedir();
  const files = [join(env.DOCKER_CONFIG || join(home, '.docker'), 'config.json')];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) files.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  files.push(join(env.XDG_CONFIG_HOME || join(home, '.config'), 'containers', 'auth.json'));
  return [...new Set(files)];
}

/**
 * Resolves logins the way docker and podman store them. The first file in {@link credentialFiles} order that has
 * something for the registry wins (docker's config first, then containers' auth files). Within a file:
 * `credHelpers[host]`, then `credsStore`, then the inline `auths` entry (`auth` = base64 user:password, `identitytoken`).
 * Entries scoped to a namespace (`quay.io/org`) are ignored. A failing helper throws FerryError('credentials').
 */
export function defaultCredentialResolver(env: NodeJS.ProcessEnv = process.env): CredentialResolver {
  return async (registry) => {
    for (const file of credentialFiles(env)) {
      const credential = await credentialFromAuthFile(file, registry, env);
      if (credential) return credential;
    }
    return undefined;
  };
}

/** A resolver over a fixed map keyed by registry (`host[:port]`, `https://host`, or `https://index.docker.io/v1/` for Docker Hub). */
export function staticCredentials(map: Record<string, Credential>): CredentialResolver {
  const byRegistry = new Map<string, Credential>();
  for (const [key, credential] of Object.entries(map)) {
    const registry = authKeyRegistry(key);
    if (registry !== undefined && !byRegistry.has(registry)) byRegistry.set(registry, { ...credential });
  }
  return async (registry) => {
    const credential = byRegistry.get(registryKey(registry));
    return credential ? { ...credential } : undefined;
  };
}

/** Resolvers tried in order: the first that has a login for the registry wins (explicit logins before credential files). */
export function chainCredentials(...resolvers: CredentialResolver[]): CredentialResolver {
  return async (registry) => {
    for (const resolve of resolvers) {
      const credential = await resolve(registry);
      if (credential) return credential;
    }
    return undefined;
  };
}
