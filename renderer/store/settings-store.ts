import { createStore, type StoreApi } from 'zustand/vanilla';
import type { CacheInfo, SettingsView } from '../../shared/api-contract.js';
import { escapeControl } from '../../shared/format.js';
import type { SerializedError } from '../../shared/errors.js';
import type { ApiClient } from '../api/api-client.js';
import { toSerializedError } from '../api/api-call-error.js';

/** The colour theme: follow the system, or force light or dark. */
export type Theme = 'system' | 'light' | 'dark';

/** Where the chosen theme is remembered in this browser. */
export const THEME_KEY = 'ferry.theme';

/** Where in the Settings an action ran: its notice or error shows beside the button that did it. */
export type SettingsPlace = 'load' | 'registries' | 'options' | 'cache';

/** The registry form as typed (the password is sent once and then forgotten here). */
export interface RegistryForm {
  host: string;
  username: string;
  password: string;
  caFile: string;
  insecure: boolean;
}

/** The Settings dialog's state; every change goes through an action below. */
export interface SettingsState {
  open: boolean;
  /** The host's settings, without secrets. */
  settings?: SettingsView;
  form: RegistryForm;
  concurrency: string;
  cacheDir: string;
  cache?: CacheInfo;
  busy: boolean;
  error?: SerializedError;
  /** The last thing done, for the live region beside its button ("Saved 127.0.0.1:5000."). */
  notice?: string;
  /** Where the last action ran: its notice or error shows there, in view. */
  at?: SettingsPlace;
  theme: Theme;
  openDialog(): void;
  closeDialog(): void;
  load(): Promise<void>;
  setForm(patch: Partial<RegistryForm>): void;
  saveRegistry(): Promise<void>;
  removeRegistry(host: string): Promise<void>;
  setConcurrency(text: string): void;
  setCacheDir(text: string): void;
  saveOptions(): Promise<void>;
  refreshCache(): Promise<void>;
  clearCache(): Promise<void>;
  setTheme(theme: Theme): void;
}

/** Something the user must fix in the form (shown as a bad-usage error, not as a host failure). */
class FormProblem extends Error {}

const EMPTY_FORM: RegistryForm = { host: '', username: '', password: '', caFile: '', insecure: false };

/** The part of `<html>` the theme is put on (typed here so the store also loads under Node's tests). */
interface ThemeRoot {
  classList: { add(...names: string[]): void; remove(...names: string[]): void };
}
/** The part of localStorage that remembers the theme. */
interface ThemeStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}
const browser = globalThis as { document?: { documentElement: ThemeRoot }; localStorage?: ThemeStorage };

/** Puts the theme on `<html>` (`theme-light` / `theme-dark`; none follows prefers-color-scheme). */
export function applyTheme(theme: Theme, root: ThemeRoot | undefined = browser.document?.documentElement): void {
  if (!root) return;
  root.classList.remove('theme-light', 'theme-dark');
  if (theme !== 'system') root.classList.add(`theme-${theme}`);
}

/** The theme remembered in this browser (system when none or unreadable). */
function storedTheme(): Theme {
  try {
    const value = browser.localStorage?.getItem(THEME_KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

/** Makes the Settings store on an API client; applies the remembered theme at once. */
export function createSettingsStore(api: ApiClient): StoreApi<SettingsState> {
  const theme = storedTheme();
  applyTheme(theme);
  return createStore<SettingsState>()((set, get) => {
    const run = async (at: SettingsPlace, what: () => Promise<Partial<SettingsState>>): Promise<void> => {
      // one action at a time (the buttons stay focusable while busy, so a second press lands here)
      if (get().busy) return;
      set({ busy: true, error: undefined, notice: undefined, at });
      try {
        set({ ...(await what()), busy: false });
      } catch (error) {
        set({ busy: false, error: error instanceof FormProblem ? { code: 'bad-usage', message: error.message } : toSerializedError(error) });
      }
    };
    return {
      open: false,
      form: { ...EMPTY_FORM },
      concurrency: '',
      cacheDir: '',
      busy: false,
      theme,
      openDialog() {
        set({ open: true });
        void get().load();
      },
      closeDialog: () => set({ open: false, form: { ...get().form, password: '' }, error: undefined, notice: undefined, at: undefined }),
      load: () =>
        run('load', async () => {
          const settings = await api.call('settings.get', {});
          const cache = await api.call('cache.info', { dir: settings.cacheDir });
          return { settings, cache, concurrency: String(settings.concurrency), cacheDir: settings.cacheDir };
        }),
      setForm: (patch) => set({ form: { ...get().form, ...patch } }),
      saveRegistry: () =>
        run('registries', async () => {
          const { host, username, password, caFile, insecure } = get().form;
          if (host.trim() === '') throw new FormProblem('Type the registry host (host or host:port).');
          const settings = await api.call('settings.setRegistry', {
            host: host.trim(),
            ...(username.trim() !== '' ? { username: username.trim() } : {}),
            ...(password !== '' ? { password } : {}),
            ...(caFile.trim() !== '' ? { caFile: caFile.trim() } : {}),
            insecure,
          });
          // the password now lives in the host only
          return { settings, form: { ...EMPTY_FORM }, notice: `Saved ${escapeControl(host.trim())}.` };
        }),
      removeRegistry: (host) =>
        run('registries', async () => ({ settings: await api.call('settings.removeRegistry', { host }), notice: `Removed ${escapeControl(host)}.` })),
      setConcurrency: (concurrency) => set({ concurrency }),
      setCacheDir: (cacheDir) => set({ cacheDir }),
      saveOptions: () =>
        run('options', async () => {
          const n = Number(get().concurrency);
          if (!Number.isInteger(n) || n < 1 || n > 64) throw new FormProblem('Concurrency is a whole number from 1 to 64.');
          const dir = get().cacheDir.trim();
          const settings = await api.call('settings.setOptions', { concurrency: n, ...(dir !== '' ? { cacheDir: dir } : {}) });
          const cache = await api.call('cache.info', { dir: settings.cacheDir });
          return { settings, cache, notice: 'Saved.' };
        }),
      refreshCache: () => run('cache', async () => ({ cache: await api.call('cache.info', get().settings ? { dir: get().settings!.cacheDir } : {}) })),
      clearCache: () =>
        run('cache', async () => {
          const cache = await api.call('cache.clear', get().settings ? { dir: get().settings!.cacheDir } : {});
          return { cache, notice: 'Cache cleared.' };
        }),
      setTheme(next) {
        applyTheme(next);
        try {
          if (next === 'system') browser.localStorage?.removeItem(THEME_KEY);
          else browser.localStorage?.setItem(THEME_KEY, next);
        } catch {
          // storage refused: the choice lasts for this page only
        }
        set({ theme: next });
      },
    };
  });
}
