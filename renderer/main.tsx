import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApiClient } from './api/api-client.js';
import { createWebTransport } from './api/web-transport.js';
import { AppShell } from './app-shell.js';
import { createReviewStore } from './store/review-store.js';
import { StoresProvider } from './store/stores-context.js';
import './styles.css';

const api = createApiClient(createWebTransport());
const stores = { review: createReviewStore(api) };

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StoresProvider stores={stores}>
      <AppShell />
    </StoresProvider>
  </StrictMode>,
);
