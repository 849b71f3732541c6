import { createContext, useContext, type ReactNode } from 'react';
import { useStore, type StoreApi } from 'zustand';
import type { ReviewState } from './review-store.js';

/** The per-window stores made on the API client. */
export interface Stores {
  review: StoreApi<ReviewState>;
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
