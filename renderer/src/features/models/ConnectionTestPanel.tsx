import { type ConnectionTestView, latencyLine, stepMarks, summarizeTest } from './connection-test-format';

/** A connection test's steps, top to bottom: status, what was seen, what to do; then the latency. */
export function ConnectionTestPanel({ result }: { result: ConnectionTestView }) {
  const latency = latencyLine(result);
  return (
    <div className="conn-test" data-testid="connection-test" data-ok={result.ok ? 'true' : 'false'} data-failed-step={result.failedStep ?? ''}>
      <p className={`conn-test-summary ${result.ok ? 'ok' : 'error'}`} role={result.ok ? 'status' : 'alert'} data-testid="connection-test-summary">
        {summarizeTest(result)}
      </p>
      <ol className="conn-steps">
        {result.steps
          .filter((step) => step.id !== 'latency')
          .map((step) => (
            <li key={step.id} className={`conn-step conn-step-${step.status}`} data-testid="connection-step" data-step={step.id} data-status={step.status}>
              <span className="conn-step-mark" aria-hidden="true">
                {stepMarks[step.status]}
              </span>
              <div className="conn-step-body">
                <div className="conn-step-head">
                  <strong>{step.label}</strong>
                  <span className="conn-step-status">{step.status}</span>
                  {step.status !== 'skipped' && <span className="muted small">{step.durationMs} ms</span>}
                </div>
                <div className="conn-step-detail">{step.detail}</div>
                {step.hint && <div className="conn-step-hint">{step.hint}</div>}
              </div>
            </li>
          ))}
      </ol>
      {latency && (
        <p className="muted small" data-testid="connection-latency">
          Latency: {latency}
        </p>
      )}
    </div>
  );
}
