import { useCall, useConnectionState } from '../../api/api-context';
import { formatBytes, formatDuration } from '../../lib/format';
import { useNow } from '../../lib/use-now';
import { GatewayOverviewCard } from '../gateway/GatewayOverviewCard';

/** Uptime counted from the core's own start time, so the figure is real between refreshes. */
function useUptime(startedAt: string | undefined): number | undefined {
  const now = useNow();
  return startedAt ? (now - Date.parse(startedAt)) / 1000 : undefined;
}

/** What is real today: version, data directory, uptime and the health of config.db. */
export function OverviewPage() {
  const [info] = useCall('app.info', {});
  const [status] = useCall('app.status', {}, 30_000);
  const [store, recheck] = useCall('store.health', {}, 30_000);
  const uptime = useUptime(status.status === 'ok' ? status.value.startedAt : undefined);

  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <AnswerAge at={store.status === 'ok' ? store.at : undefined} />
      <div className="cards">
        <article className="card" aria-labelledby="card-app">
          <h2 id="card-app">Airlock</h2>
          {info.status === 'ok' ? (
            <dl>
              <dt>Version</dt>
              <dd data-testid="app-version">{info.value.version}</dd>
              <dt>Build</dt>
              <dd>
                {info.value.commit} · {info.value.builtAt}
              </dd>
              <dt>Runs as</dt>
              <dd>
                {info.value.mode === 'desktop' ? 'Desktop app' : 'Browser console (airlock serve)'} · pid {info.value.pid}
              </dd>
              <dt>Runtime</dt>
              <dd>
                Node {info.value.runtime.node} · {info.value.runtime.platform}/{info.value.runtime.arch}
              </dd>
            </dl>
          ) : (
            <CallStatus state={info} />
          )}
        </article>

        <article className="card" aria-labelledby="card-core">
          <h2 id="card-core">Core</h2>
          {status.status === 'ok' ? (
            <dl>
              <dt>Data directory</dt>
              <dd data-testid="data-dir">
                <code>{status.value.dataDir}</code>
              </dd>
              <dt>Started</dt>
              <dd>{new Date(status.value.startedAt).toLocaleString()}</dd>
              <dt>Uptime</dt>
              <dd data-testid="uptime">{uptime !== undefined ? formatDuration(uptime) : '—'}</dd>
            </dl>
          ) : (
            <CallStatus state={status} />
          )}
        </article>

        <article className="card" aria-labelledby="card-store">
          <h2 id="card-store">Configuration store</h2>
          {store.status === 'ok' ? (
            <>
              <p className={`pill ${store.value.isHealthy ? 'pill-ok' : 'pill-bad'}`} data-testid="store-health">
                {store.value.isHealthy ? 'Healthy' : 'Not healthy'}
              </p>
              <dl>
                <dt>File</dt>
                <dd>
                  <code>{store.value.path}</code>
                </dd>
                <dt>Schema</dt>
                <dd>
                  version {store.value.schemaVersion} (this build: {store.value.supportedSchemaVersion})
                </dd>
                <dt>Journal</dt>
                <dd>
                  {store.value.journalMode.toUpperCase()}, synchronous {store.value.synchronous}
                </dd>
                <dt>Integrity</dt>
                <dd>{store.value.integrity}</dd>
                <dt>Size</dt>
                <dd>
                  {formatBytes(store.value.sizeBytes)} + {formatBytes(store.value.walBytes)} WAL
                </dd>
                <dt>Checked</dt>
                <dd>
                  {new Date(store.value.checkedAt).toLocaleTimeString()} in {store.value.checkMs} ms
                </dd>
              </dl>
            </>
          ) : (
            <CallStatus state={store} />
          )}
          <button type="button" onClick={recheck}>
            Check again
          </button>
        </article>

        <GatewayOverviewCard />
      </div>
    </section>
  );
}

function CallStatus({ state }: { state: { status: 'loading' } | { status: 'error'; message: string } }) {
  const connection = useConnectionState();
  if (state.status === 'loading') return <p className="muted">{connection.status === 'connected' ? 'Asking the core…' : 'Waiting for the connection to the core…'}</p>;
  return (
    <p className="error" role="alert">
      {state.message}
    </p>
  );
}

/** While the core is unreachable, says that the figures shown are its last answer, and from when. */
function AnswerAge({ at }: { at: number | undefined }) {
  const connection = useConnectionState();
  if (connection.status === 'connected' || at === undefined) return null;
  return (
    <p className="muted" data-testid="stale-note">
      Not connected: these are the core's last answers, from {new Date(at).toLocaleTimeString()}.
    </p>
  );
}
