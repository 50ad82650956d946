import { type ReactNode, useEffect, useRef } from 'react';
import type { RequestDetail } from '../../../../electron/shared/gateway/requests';
import { useCall } from '../../api/api-context';
import { formatMs, formatTokenPair, notKeptNote, statusTone } from './request-format';

/** One logged request, every field of `requests.get`, with the prompt and response when they were kept. */
export function RequestDetailPanel({ id, onClose }: { id: number; onClose: () => void }) {
  const [detail] = useCall('requests.get', { id });
  const panel = useRef<HTMLElement>(null);
  // On narrower windows the panel sits above the table: bring it into view when a row far down is clicked.
  // Braces: recent Chromium returns a promise from scrollIntoView, which React would take for a cleanup.
  useEffect(() => {
    void panel.current?.scrollIntoView({ block: 'nearest' });
  }, []);
  return (
    <aside ref={panel} className="card request-detail" aria-labelledby="request-detail-title" data-testid="request-detail" data-id={id}>
      <div className="request-detail-header">
        <h2 id="request-detail-title">Request {id}</h2>
        <button type="button" className="small-button" onClick={onClose}>
          Close
        </button>
      </div>
      {detail.status === 'loading' && <p className="muted">Asking the core…</p>}
      {detail.status === 'error' && (
        <p className="error" role="alert" data-code={detail.code}>
          {detail.message}
        </p>
      )}
      {detail.status === 'ok' && <DetailFields detail={detail.value} />}
    </aside>
  );
}

function DetailFields({ detail }: { detail: RequestDetail }) {
  const note = notKeptNote(detail);
  const fields: [string, ReactNode][] = [
    ['Time', `${new Date(detail.ts).toLocaleString()} (${new Date(detail.ts).toISOString()})`],
    ['Request id', <code key="rid">{detail.requestId}</code>],
    ['Status', <span key="status" className={`pill pill-small pill-state-${statusTone(detail.status)}`}>{detail.status}</span>],
    ['Endpoint', <code key="endpoint">{`${detail.method} ${detail.endpoint}`}</code>],
    ['Client', `${detail.client} from ${detail.clientIp}`],
    ['Feature', detail.feature ?? '—'],
    ['Unit primitive', detail.unitPrimitive ?? '—'],
    ['Deployment', detail.deployment ?? '—'],
    ['Model', detail.model ?? '—'],
    ['Streamed', detail.isStream ? 'yes' : 'no'],
    ['Latency', formatMs(detail.latencyMs)],
    ['First byte', formatMs(detail.ttfbMs)],
    ['Tokens in / out', formatTokenPair(detail.tokensIn, detail.tokensOut)],
    ['Error', detail.error ?? '—'],
  ];
  return (
    <>
      <dl className="request-detail-fields" data-testid="request-detail-fields">
        {fields.map(([label, value]) => (
          <div key={label} className="dl-row">
            <dt>{label}</dt>
            <dd data-field={label}>{value}</dd>
          </div>
        ))}
      </dl>
      {note ? (
        <p className="muted small" data-testid="request-not-kept">
          {note}
        </p>
      ) : (
        <>
          <h4>Prompt</h4>
          {detail.prompt !== null ? <pre className="request-text" data-testid="request-prompt">{detail.prompt}</pre> : <p className="muted small">Not kept.</p>}
          <h4>Response</h4>
          {detail.response !== null ? <pre className="request-text" data-testid="request-response">{detail.response}</pre> : <p className="muted small">Not kept.</p>}
        </>
      )}
    </>
  );
}
