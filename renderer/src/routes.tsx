import { type ReactNode, Suspense, lazy } from 'react';
import { AiFeaturesPage } from './features/ai-features/AiFeaturesPage';
import { GitlabSheetPage } from './features/gitlab-sheet/GitlabSheetPage';
import { HardwarePage } from './features/hardware/HardwarePage';
import { LicensePage } from './features/license/LicensePage';
import { LogsPage } from './features/logs/LogsPage';
import { ModelsPage } from './features/models/ModelsPage';
import { OverviewPage } from './features/overview/OverviewPage';
import { ServicesPage } from './features/services/ServicesPage';
import { SettingsPage } from './features/settings/SettingsPage';

// Loaded on first visit: with them in it, the main chunk passed Vite's 500 kB warning.
const GatewayPage = lazy(() => import('./features/gateway/GatewayPage').then((module) => ({ default: module.GatewayPage })));
const RequestsPage = lazy(() => import('./features/requests/RequestsPage').then((module) => ({ default: module.RequestsPage })));

/** A page from its own chunk, with a line while it loads. */
function loaded(page: ReactNode): ReactNode {
  return <Suspense fallback={<p className="muted">Loading the page…</p>}>{page}</Suspense>;
}

export interface Route {
  path: string;
  label: string;
  render: () => ReactNode;
}

/** The pages of the navigation, in order. */
export const routes: Route[] = [
  { path: 'overview', label: 'Overview', render: () => <OverviewPage /> },
  { path: 'hardware', label: 'Hardware', render: () => <HardwarePage /> },
  { path: 'license', label: 'License', render: () => <LicensePage /> },
  { path: 'models', label: 'Models', render: () => <ModelsPage /> },
  { path: 'ai-features', label: 'AI features', render: () => <AiFeaturesPage /> },
  { path: 'gitlab-setup', label: 'GitLab setup', render: () => <GitlabSheetPage /> },
  { path: 'gateway', label: 'AI gateway', render: () => loaded(<GatewayPage />) },
  { path: 'requests', label: 'Requests', render: () => loaded(<RequestsPage />) },
  { path: 'services', label: 'Services', render: () => <ServicesPage /> },
  { path: 'logs', label: 'Logs', render: () => <LogsPage /> },
  { path: 'settings', label: 'Settings', render: () => <SettingsPage /> },
];
