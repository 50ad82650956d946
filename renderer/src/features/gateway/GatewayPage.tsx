import { useCall } from '../../api/api-context';
import { GatewayStateCard } from './GatewayStateCard';
import { TokensSection } from './TokensSection';
import { UseItCard } from './UseItCard';
import './gateway.css';

/** How often the page asks for the gateway's status (it reports to the core every few seconds). */
const STATUS_REFRESH_MS = 2000;

/** Airlock's AI gateway: its unit and report, the tokens for direct clients, and how to point clients at it. */
export function GatewayPage() {
  const [view, refresh] = useCall('gateway.status', {}, STATUS_REFRESH_MS);
  const [settings] = useCall('settings.list', {});
  return (
    <section aria-labelledby="gateway-title" className="gateway">
      <div className="page-header">
        <h1 id="gateway-title">AI gateway</h1>
        <div className="page-header-actions">
          <a href="#/requests">Requests</a>
          <a href="#/settings">Settings</a>
        </div>
      </div>
      <p className="muted">
        Airlock&apos;s own AI gateway: GitLab and direct clients call it, it checks their tokens, routes each Duo feature to its deployment, and logs every request.
      </p>
      <GatewayStateCard view={view} onChanged={refresh} />
      <TokensSection />
      <UseItCard view={view} settings={settings} />
    </section>
  );
}
