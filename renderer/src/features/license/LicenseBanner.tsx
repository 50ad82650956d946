import { useEffect, useState } from 'react';
import type { LicenseView } from '../../../../electron/shared/license';
import { useApi, useCall } from '../../api/api-context';
import { licenseBanner } from './license-banner-text';

/** The license banner across all pages: evaluation, expiring, grace, expired, rollback, refused. */
export function LicenseBanner() {
  const api = useApi();
  const [initial] = useCall('license.status', {}, 60_000);
  const [pushed, setPushed] = useState<LicenseView | undefined>();
  useEffect(() => {
    const subscription = api.on('license.changed', setPushed);
    return () => void subscription.dispose();
  }, [api]);
  const polled = initial.status === 'ok' ? initial.value : undefined;
  // The newer of the two answers wins.
  const view = pushed && (!polled || pushed.checkedAt >= polled.checkedAt) ? pushed : polled;
  if (!view) return null;
  const banner = licenseBanner(view);
  if (!banner) return null;
  return (
    <div className={`banner banner-license banner-${banner.tone}`} role="status" data-testid="license-banner" data-state={view.state}>
      {banner.text} <a href="#/license">License page</a>
    </div>
  );
}
