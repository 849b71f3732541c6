import { defaultCacheDir } from '../cache/blob-cache.js';
import { clearCache, measureCache } from '../cache/cache-usage.js';
import type { CallHandler } from './api-handlers.js';
import type { SessionSettings } from './session-settings.js';

/** The Settings calls: registries and logins (the password goes in, never out), concurrency, cache folder and its size. */
export function settingsHandlers(settings: SessionSettings): {
  'settings.get': CallHandler<'settings.get'>;
  'settings.setRegistry': CallHandler<'settings.setRegistry'>;
  'settings.removeRegistry': CallHandler<'settings.removeRegistry'>;
  'settings.setOptions': CallHandler<'settings.setOptions'>;
  'cache.info': CallHandler<'cache.info'>;
  'cache.clear': CallHandler<'cache.clear'>;
} {
  const cacheDirOf = (dir: string | undefined): string => dir ?? (settings.view().cacheDir || defaultCacheDir());
  return {
    'settings.get': async () => settings.view(),
    'settings.setRegistry': async ({ host, username, password, caFile, insecure }) =>
      settings.setRegistry({
        host,
        ...(username !== undefined ? { username } : {}),
        ...(password !== undefined ? { password } : {}),
        ...(caFile ? { caFile } : {}),
        ...(insecure !== undefined ? { insecure } : {}),
      }),
    'settings.removeRegistry': async ({ host }) => {
      settings.removeRegistry(host);
      return settings.view();
    },
    'settings.setOptions': async ({ concurrency, cacheDir }) =>
      settings.setOptions({ ...(concurrency !== undefined ? { concurrency } : {}), ...(cacheDir !== undefined ? { cacheDir } : {}) }),
    'cache.info': async ({ dir }) => measureCache(cacheDirOf(dir)),
    'cache.clear': async ({ dir }) => clearCache(cacheDirOf(dir)),
  };
}
