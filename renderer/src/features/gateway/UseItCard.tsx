import type { GatewayView } from '../../../../electron/shared/gateway/channel';
import { GATEWAY_SECTION_TITLE } from '../../../../electron/shared/registry/gitlab-sheet';
import type { SettingEntry } from '../../../../electron/shared/settings';
import type { CallState } from '../../api/api-context';
import { CopyButton } from '../gitlab-sheet/CopyButton';
import { clientGatewayUrl, curlExample, isLoopbackUrl, openAiBaseUrl, openAiPythonExample } from './gateway-format';

/** How GitLab and OpenAI clients reach the gateway: its URL (the gateway.url setting, else where it listens). Never a token. */
export function UseItCard({ view, settings }: { view: CallState<GatewayView>; settings: CallState<SettingEntry[]> }) {
  const urlSetting = settings.status === 'ok' ? settings.value.find((entry) => entry.key === 'gateway.url')?.value : undefined;
  const status = view.status === 'ok' ? view.value.status : null;
  const target = clientGatewayUrl(urlSetting, status);
  const baseUrl = target ? openAiBaseUrl(target.url) : '<gateway URL>/v1';

  return (
    <article className="card card-wide" aria-labelledby="use-it-title" data-testid="gateway-use-it">
      <h2 id="use-it-title">Use it</h2>
      <h3 className="use-it-heading">GitLab</h3>
      <p>
        In GitLab, <strong>{GATEWAY_SECTION_TITLE}</strong>:{' '}
        {target ? (
          <>
            <code data-testid="use-it-url">{target.url}</code> <CopyButton text={target.url} label="gateway URL" />{' '}
            <span className="muted small">
              {target.source === 'setting' ? '(the gateway.url setting)' : '(where the gateway listens; set gateway.url in Settings when GitLab reaches it by another name)'}
            </span>
          </>
        ) : (
          <span className="muted">not known yet: set gateway.url in Settings, or start the gateway.</span>
        )}
      </p>
      {target && isLoopbackUrl(target.url) && (
        <p className="warn-text small">
          This address is on loopback: only clients on this host reach it. For GitLab on another host, set <code>gateway.host</code> with a TLS certificate and key in{' '}
          <a href="#/settings">Settings</a>.
        </p>
      )}
      <p className="muted small">
        Then map each Duo feature to a deployment on the <a href="#/ai-features">AI features</a> page; the <a href="#/gitlab-setup">GitLab setup</a> page lists every field to enter.
      </p>
      <h3 className="use-it-heading">OpenAI clients</h3>
      <p>
        Base URL <code data-testid="use-it-base-url">{baseUrl}</code>, API key: a token minted above with the <code>openai</code> scope. The model is a deployment name or a feature id
        (<code>GET {baseUrl}/models</code> lists them).
      </p>
      <div className="command">
        <pre>{openAiPythonExample(baseUrl)}</pre>
        <pre>{curlExample(baseUrl)}</pre>
      </div>
    </article>
  );
}
