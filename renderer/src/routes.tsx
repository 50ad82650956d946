import type { ReactNode } from 'react';
import { AiFeaturesPage } from './features/ai-features/AiFeaturesPage';
import { GatewayPage } from './features/gateway/GatewayPage';
import { GitlabSheetPage } from './features/gitlab-sheet/GitlabSheetPage';
import { HardwarePage } from './features/hardware/HardwarePage';
import { LicensePage } from './features/license/LicensePage';
import { LogsPage } from './features/logs/LogsPage';
import { ModelsPage } from './features/models/ModelsPage';
import { OverviewPage } from './features/overview/OverviewPage';
import { RequestsPage } from './features/requests/RequestsPage';
import { ServicesPage } from './features/services/ServicesPage';
import { SettingsPage } from './features/settings/SettingsPage';

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
  { path: 'gateway', label: 'AI gateway', render: () => <GatewayPage /> },
  { path: 'requests', label: 'Requests', render: () => <RequestsPage /> },
  { path: 'services', label: 'Services', render: () => <ServicesPage /> },
  { path: 'logs', label: 'Logs', render: () => <LogsPage /> },
  { path: 'settings', label: 'Settings', render: () => <SettingsPage /> },
];
