import { createContext, useContext, type ReactNode } from 'react';
import { useStore, type StoreApi } from 'zustand';
import type { PrepareState } from './prepare-store.js';
import type { ImportState } from './import-store.js';
import type { ReviewState } from './review-store.js';
import type { SettingsState } from './settings-store.js';

/** The per-window stores made on the API client. */
export interface Stores {
  review: StoreApi<ReviewState>;
  prepare: StoreApi<PrepareState>;
  import: StoreApi<ImportState>;
  settings: StoreApi<SettingsState>;
}

const StoresContext = createContext<Stores | undefined>(undefined);

/** Provides the stores to the views. */
export function StoresProvider({ stores, children }: { stores: Stores; children: ReactNode }) {
  return <StoresContext.Provider value={stores}>{children}</StoresContext.Provider>;
}

/** Selects from the Review wizard's store. */
export function useReview<T>(select: (state: ReviewState) => T): T {
  const stores = useContext(StoresContext);
  if (!stores) throw new Error('useReview outside StoresProvider');
  return useStore(stores.review, select);
}

/** Selects from the Prepare wizard's store. */
export function usePrepare<T>(select: (state: PrepareState) => T): T {
  const stores = useContext(StoresContext);
  if (!stores) throw new Error('usePrepare outside StoresProvider');
  return useStore(stores.prepare, select);
}

/** Selects from the Import wizard's store. */
export function useImport<T>(select: (state: ImportState) => T): T {
  const stores = useContext(StoresContext);
  if (!stores) throw new Error('useImport outside StoresProvider');
  return useStore(stores.import, select);
}

/** Selects from the Settings store. */
export function useSettings<T>(select: (state: SettingsState) => T): T {
  const stores = useContext(StoresContext);
  if (!stores) throw new Error('useSettings outside StoresProvider');
  return useStore(stores.settings, select);
}
