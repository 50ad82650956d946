/**
 * The gateway's Prometheus metrics, in the text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/). A few counters and histograms
 * kept in plain maps: cheaper per request than a general client library, and all we expose.
 */

type Labels = Readonly<Record<string, string>>;

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels: Labels) => {
  const entries = Object.entries(labels);
  return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
};

class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, { value }] of this.values) lines.push(`${this.name}${key} ${value}`);
    return lines.join('\n');
  }
}

class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
  ) {}

  observe(value: number, labels: Labels = {}): void {
    const key = labelText(labels);
    let entry = this.series.get(key);
    if (!entry) {
      entry = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, entry);
    }
    for (let i = 0; i < this.buckets.length; i += 1) if (value <= this.buckets[i]!) entry.counts[i]! += 1;
    entry.sum += value;
    entry.count += 1;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, counts, sum, count } of this.series.values()) {
      this.buckets.forEach((bound, i) => lines.push(`${this.name}_bucket${labelText({ ...labels, le: String(bound) })} ${counts[i]}`));
      lines.push(`${this.name}_bucket${labelText({ ...labels, le: '+Inf' })} ${count}`);
      lines.push(`${this.name}_sum${labelText(labels)} ${sum}`);
      lines.push(`${this.name}_count${labelText(labels)} ${count}`);
    }
    return lines.join('\n');
  }
}

/** Seconds; from 1 ms (a cached refusal) to 10 minutes (a long generation). */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** Every metric the gateway exposes. */
export function createMetrics() {
  const requests = new Counter('airlock_gateway_requests_total', 'Requests answered, by endpoint and status.');
  const duration = new Histogram('airlock_gateway_request_duration_seconds', 'Time from request to the last byte of the answer.', DURATION_BUCKETS);
  const firstByte = new Histogram('airlock_gateway_upstream_first_byte_seconds', 'Time from request to the first byte of the model\'s answer.', DURATION_BUCKETS);
  const authFailures = new Counter('airlock_gateway_auth_failures_total', 'Requests refused with 401.');
  const upstreamErrors = new Counter('airlock_gateway_upstream_errors_total', 'Upstream calls that failed, by deployment and kind.');
  const tokens = new Counter('airlock_gateway_tokens_total', 'Tokens in and out, by deployment.');
  let inFlight = 0;
  let total = 0;
  let refused = 0;
  const gauges = new Map<string, { help: string; read: () => number }>();

  return {
    /** `isProbe`: a health probe, in the Prometheus series but not in `totals()` (which matches the request log). */
    requestDone(endpoint: string, status: number, seconds: number, isProbe = false): void {
      if (!isProbe) total += 1;
      requests.inc({ endpoint, status: String(status) });
      duration.observe(seconds, { endpoint });
    },
    firstByte(deployment: string, seconds: number): void {
      firstByte.observe(seconds, { deployment });
    },
    authFailed(): void {
      refused += 1;
      authFailures.inc();
    },
    upstreamFailed(deployment: string, kind: string): void {
      upstreamErrors.inc({ deployment, kind });
    },
    tokens(deployment: string, direction: 'in' | 'out', count: number): void {
      tokens.inc({ deployment, direction }, count);
    },
    enter(): void {
      inFlight += 1;
    },
    leave(): void {
      inFlight -= 1;
    },
    get inFlight(): number {
      return inFlight;
    },
    /** Requests answered (health probes aside) and refused (401) since the start. */
    totals(): { total: number; authFailures: number } {
      return { total, authFailures: refused };
    },
    /** A value read when scraped (request-log drops, config version…). */
    gauge(name: string, help: string, read: () => number): void {
      gauges.set(name, { help, read });
    },
    render(): string {
      const parts = [requests.render(), duration.render(), firstByte.render(), authFailures.render(), upstreamErrors.render(), tokens.render()];
      parts.push(`# HELP airlock_gateway_in_flight Requests being answered now.\n# TYPE airlock_gateway_in_flight gauge\nairlock_gateway_in_flight ${inFlight}`);
      for (const [name, { help, read }] of gauges) parts.push(`# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${read()}`);
      return `${parts.join('\n')}\n`;
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
