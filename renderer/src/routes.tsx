import type { ReactNode } from 'react';
import { HardwarePage } from './features/hardware/HardwarePage';
import { LicensePage } from './features/license/LicensePage';
import { LogsPage } from './features/logs/LogsPage';
import { OverviewPage } from './features/overview/OverviewPage';
import { ServicesPage } from './features/services/ServicesPage';

export interface Route {
  path: string;
  label: string;
  render: () => ReactNode;
}

/** The pages of the navigation, in order. Later issues add Models, AI features, Settings. */
export const routes: Route[] = [
  { path: 'overview', label: 'Overview', render: () => <OverviewPage /> },
  { path: 'hardware', label: 'Hardware', render: () => <HardwarePage /> },
  { path: 'license', label: 'License', render: () => <LicensePage /> },
  { path: 'services', label: 'Services', render: () => <ServicesPage /> },
  { path: 'logs', label: 'Logs', render: () => <LogsPage /> },
];
