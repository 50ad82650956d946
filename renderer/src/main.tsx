import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { AirlockBridge } from '../../electron/shared/bridge';
import { App } from './App';
import './styles.css';

declare global {
  interface Window {
    /** Present only in the desktop app, put there by the preload. */
    airlock?: AirlockBridge;
  }
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
