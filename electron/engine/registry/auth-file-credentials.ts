import { readFile } from 'node:fs/promises';
import { FerryError } from '../errors/ferry-error.js';
import { runCredentialHelper } from './credential-helper.js';
import type { Credential } from './credentials.js';
import { isDockerHub, normalizeHost } from './registry-host.js';

/** The parts of a docker `config.json` or containers `auth.json` that hold credentials. */
interface AuthFile {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

/**
 * The registry host a credentials key stands for, or undefined when the key is scoped to a namespace:
 * `host`, `https://host`, `http://host/v2/` and `https://index.docker.io/v1/` (→ `docker.io`) all name a whole registry.
 */
export function authKeyRegistry(key: string): string | undefined {
  const withoutScheme = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = withoutScheme.indexOf('/');
  const host = normalizeHost(slash < 0 ? withoutScheme : withoutScheme.slice(0, slash));
  const path = slash < 0 ? '' : withoutScheme.slice(slash);
  if (host === '' || !/^\/*$|^\/v[12]\/?$/.test(path)) return undefined;
  return isDockerHub(host) ? 'docker.io' : host;
}

/** The key a registry is stored under in credential files: `docker.io` normalizes to its Hub alias. */
export function registryKey(registry: string): string {
  return isDockerHub(registry) ? 'docker.io' : normalizeHost(registry);
}

/** The server URL a credential helper is asked about, the way docker stores it. */
export function helperServerUrl(registry: string): string {
  return isDockerHub(registry) ? 'https://index.docker.io/v1/' : normalizeHost(registry);
}

/**
 * Credentials for `registry` from one docker `config.json` or containers `auth.json`:
 * `credHelpers[host]` first, then `credsStore`, then an inline `auths` entry (docker's own order).
 * Returns undefined when the file does not exist or has nothing for the registry.
 */
export async function credentialFromAuthFile(
  file: string,
  registry: string,
  env: NodeJS.ProcessEnv,
): Promise<Credential | undefined> {
  const config = await readAuthFile(file, registry);
  if (!config) return undefined;
  const wanted = registryKey(registry);

  const helper = findByRegistry(config.credHelpers, wanted);
  if (typeof helper === 'string' && helper !== '') {
    return runCredentialHelper({ helper, registry, configFile: file }, helperServerUrl(registry), env);
  }
  if (typeof config.credsStore === 'string' && config.credsStore !== '') {
    const stored = await runCredentialHelper(
      { helper: config.credsStore, registry, configFile: file },
      helperServerUrl(registry),
      env,
    );
    if (stored) return stored;
  }
  const entry = findByRegistry(config.auths, wanted);
  return entry ? credentialFromEntry(entry, file, registry) : undefined;
}

/** The value under the first key naming `wanted`, preferring the plain `host` form. */
function findByRegistry<T>(map: Record<string, T> | undefined, wanted: string): T | undefined {
  if (!map || typeof map !== 'object') return undefined;
  if (Object.hasOwn(map, wanted)) return map[wanted];
  for (const [key, value] of Object.entries(map)) {
    if (authKeyRegistry(key) === wanted) return value;
  }
  return undefined;
}

/** Decodes one `auths` entry; an entry with nothing usable yields undefined. */
function credentialFromEntry(entry: AuthEntry, file: string, registry: string): Credential | undefined {
  if (!entry || typeof entry !== 'object') return undefined;
  let username = typeof entry.username === 'string' ? entry.username : undefined;
  let password = typeof entry.password === 'string' ? entry.password : undefined;
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new FerryError(
        'credentials',
        `The saved login for ${registry} in ${file} is malformed; log in again with "docker login ${registry}".`,
        { subject: registry },
      );
    }
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  const identityToken = typeof entry.identitytoken === 'string' && entry.identitytoken !== '' ? entry.identitytoken : undefined;
  if (identityToken) return { ...(username ? { username } : {}), identityToken };
  if (username !== undefined && password !== undefined && (username !== '' || password !== '')) return { username, password };
  return undefined;
}

/** Reads and parses a credentials file; undefined when it does not exist. */
async function readAuthFile(file: string, registry: string): Promise<AuthFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new FerryError('credentials', `Cannot read the credentials file ${file} (${code ?? 'error'}); check its permissions.`, {
      subject: registry,
    });
  }
  if (text.trim() === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as AuthFile) : undefined;
  } catch {
    throw new FerryError('credentials', `The credentials file ${file} is not valid JSON; fix or remove it.`, { subject: registry });
  }
}
