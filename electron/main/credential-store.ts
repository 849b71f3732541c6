import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { RegistrySetting } from '../engine/api/session-settings.js';

/** The part of Electron's `safeStorage` the store uses (injected: the real one in the app, a fake in unit tests). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: `basic_text` means no keyring, i.e. no real protection. */
  getSelectedStorageBackend?(): string;
}

/** The registries and logins of the Settings, kept across launches, encrypted with the OS keychain. */
export interface CredentialStore {
  /** True when the OS offers real encryption (otherwise nothing is written and logins last one session). */
  available(): boolean;
  /** The kept registries (none when the file is missing, unreadable or from another OS user). */
  load(): Promise<RegistrySetting[]>;
  /** Replaces the kept registries (written to a temp name, then renamed; nothing written when encryption is unavailable). */
  save(registries: RegistrySetting[]): Promise<boolean>;
}

/** Options for {@link createCredentialStore}. */
export interface CredentialStoreOptions {
  /** The file (in the app's userData folder: `credentials.bin`). */
  file: string;
  safeStorage: SafeStorageLike;
}

/** Keeps only the fields of a registry setting, dropping anything unexpected read from disk. */
function clean(value: unknown): RegistrySetting | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.host !== 'string' || v.host === '') return undefined;
  return {
    host: v.host,
    ...(typeof v.username === 'string' ? { username: v.username } : {}),
    ...(typeof v.password === 'string' ? { password: v.password } : {}),
    ...(typeof v.caFile === 'string' ? { caFile: v.caFile } : {}),
    ...(v.insecure === true ? { insecure: true } : {}),
  };
}

/**
 * Makes the credential store of the desktop app: the whole list (logins included) is encrypted with
 * `safeStorage` (DPAPI, Keychain, libsecret/kwallet) before it is written; the clear text never
 * touches the disk. Where the OS offers no real encryption (Linux `basic_text`) nothing is written.
 */
export function createCredentialStore(options: CredentialStoreOptions): CredentialStore {
  const { file, safeStorage } = options;
  const available = (): boolean => safeStorage.isEncryptionAvailable() && safeStorage.getSelectedStorageBackend?.() !== 'basic_text';
  return {
    available,
    async load() {
      if (!available()) return [];
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch {
        return [];
      }
      try {
        const parsed = JSON.parse(safeStorage.decryptString(bytes)) as { version?: unknown; registries?: unknown };
        if (parsed.version !== 1 || !Array.isArray(parsed.registries)) return [];
        return parsed.registries.flatMap((r) => clean(r) ?? []);
      } catch {
        return []; // another user's or machine's file: start afresh rather than fail the app
      }
    },
    async save(registries) {
      if (!available()) return false;
      const data = safeStorage.encryptString(JSON.stringify({ version: 1, registries: registries.map((r) => clean(r)).filter(Boolean) }));
      await mkdir(dirname(file), { recursive: true });
      const temp = join(dirname(file), `.ferry-${randomBytes(6).toString('hex')}-credentials.partial`);
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await rename(temp, file);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      return true;
    },
  };
}
