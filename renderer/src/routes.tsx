import type { ReactNode } from 'react';
import { OverviewPage } from './features/overview/OverviewPage';

export interface Route {
  path: string;
  label: string;
  render: () => ReactNode;
}

/** The pages of the navigation, in order. Later issues add Hardware, License, Models, AI features, Services, Logs, Settings. */
export const routes: Route[] = [{ path: 'overview', label: 'Overview', render: () => <OverviewPage /> }];
