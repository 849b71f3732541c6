import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApiClient } from './api/api-client.js';
import { createIpcTransport } from './api/ipc-transport.js';
import { createWebTransport } from './api/web-transport.js';
import { AppShell } from './app-shell.js';
import { useAppStore } from './store/app-store.js';
import { followHostCommands } from './store/host-commands.js';
import { createImportStore } from './store/import-store.js';
import { createPrepareStore } from './store/prepare-store.js';
import { createReviewStore } from './store/review-store.js';
import { createSettingsStore } from './store/settings-store.js';
import { StoresProvider } from './store/stores-context.js';
import './styles.css';

// in the desktop app the preload exposes window.ferry (IPC); in a browser (ferry ui) the web host answers
const api = createApiClient(createIpcTransport() ?? createWebTransport());
const stores = { review: createReviewStore(api), prepare: createPrepareStore(api), import: createImportStore(api), settings: createSettingsStore(api) };
// File → Open bundle… in the desktop app, `ferry ui DIR` in a browser
followHostCommands(api, { review: stores.review, showWizard: (w) => useAppStore.getState().showWizard(w) });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StoresProvider stores={stores}>
      <AppShell />
    </StoresProvider>
  </StrictMode>,
);
