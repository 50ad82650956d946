import { type FormEvent, useState } from 'react';
import { useApi, useCall, useConnectionState } from '../../api/api-context';
import { type SearchRangeId, formatHitTime, searchRanges, sinceFor, splitHighlights } from './log-highlight';

/** Lines asked for per search; the core caps at 2000. */
const SEARCH_LIMIT = 500;

type Hit = { id: number; unit: string; ts: number; line: string };
type Result = { status: 'idle' } | { status: 'busy' } | { status: 'ok'; hits: Hit[]; query: string; at: number } | { status: 'error'; message: string };

/** Full-text search over every unit's output (logs.db), newest first, matched words marked. */
export function LogsPage() {
  const api = useApi();
  const connection = useConnectionState();
  const [units] = useCall('services.list', {});
  const [text, setText] = useState('');
  const [unit, setUnit] = useState('');
  const [range, setRange] = useState<SearchRangeId>('all');
  const [result, setResult] = useState<Result>({ status: 'idle' });

  const search = async (event: FormEvent) => {
    event.preventDefault();
    const query = text.trim();
    if (query === '') return;
    setResult({ status: 'busy' });
    const now = Date.now();
    const since = sinceFor(range, now);
    try {
      const hits = await api.call('logs.search', { text: query, limit: SEARCH_LIMIT, ...(unit ? { unit } : {}), ...(since !== undefined ? { since } : {}) });
      setResult({ status: 'ok', hits, query, at: now });
    } catch (error) {
      setResult({ status: 'error', message: (error as Error).message });
    }
  };

  return (
    <section aria-labelledby="logs-title" className="logs">
      <h1 id="logs-title">Logs</h1>
      <form className="card logs-form" role="search" onSubmit={(event) => void search(event)}>
        <div className="field logs-query">
          <label htmlFor="logs-text">Search the logs</label>
          <input id="logs-text" type="search" value={text} onChange={(event) => setText(event.target.value)} placeholder="CUDA out of memory" spellCheck={false} data-testid="logs-text" />
        </div>
        <div className="field">
          <label htmlFor="logs-unit">Unit</label>
          <select id="logs-unit" value={unit} onChange={(event) => setUnit(event.target.value)}>
            <option value="">All units</option>
            {units.status === 'ok' && units.value.map((u) => <option key={u.name}>{u.name}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="logs-range">Time</label>
          <select id="logs-range" value={range} onChange={(event) => setRange(event.target.value as SearchRangeId)}>
            {searchRanges.map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={connection.status !== 'connected' || text.trim() === '' || result.status === 'busy'}>
          {result.status === 'busy' ? 'Searching…' : 'Search'}
        </button>
        <p className="muted small logs-hint">Finds the lines that contain every word given, as whole words in any case, in every unit's output Airlock has kept.</p>
      </form>

      {result.status === 'error' && (
        <p className="error" role="alert" data-testid="logs-error">
          {result.message}
        </p>
      )}
      {result.status === 'ok' && (
        <>
          <p className="muted" data-testid="logs-count">
            {result.hits.length === 0
              ? `No line matches “${result.query}”.`
              : `${result.hits.length} ${result.hits.length === 1 ? 'line' : 'lines'}, newest first${result.hits.length === SEARCH_LIMIT ? ` (the first ${SEARCH_LIMIT}: narrow the search to see older ones)` : ''}.`}
          </p>
          {result.hits.length > 0 && (
            <div className="card card-flush">
              <table className="table logs-table" data-testid="logs-results">
                <thead>
                  <tr>
                    <th>Time</th>
                    <th>Unit</th>
                    <th>Line</th>
                  </tr>
                </thead>
                <tbody>
                  {result.hits.map((hit) => (
                    <tr key={hit.id} data-testid="log-hit">
                      <td className="nowrap logs-time" title={new Date(hit.ts).toISOString()}>
                        {formatHitTime(hit.ts, result.at)}
                      </td>
                      <td className="nowrap">{hit.unit}</td>
                      <td className="logs-line">
                        {splitHighlights(hit.line).map((segment, i) => (segment.isMatch ? <mark key={i}>{segment.text}</mark> : <span key={i}>{segment.text}</span>))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
