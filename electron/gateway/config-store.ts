/**
 * The gateway's current configuration. A new one replaces the old in one assignment: requests in
 * flight keep the snapshot they started with, new requests see the new one, no connection is
 * dropped. Only `listen` and `limits` need a restart to take effect (the server is bound with them).
 */
import type { GatewayConfig } from '../shared/gateway/config';
import { normalizeEndpoint } from './routing/resolve-route';

/** One destination the gateway may connect to. */
export interface Origin {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
}

/** A configuration with what every request would otherwise recompute. */
export interface ConfigSnapshot {
  readonly config: GatewayConfig;
  /** `protocol//host:port` of every registered endpoint and of the GitLab instance: the egress allowlist. */
  readonly allowedOrigins: ReadonlySet<string>;
}

/** `http://Host:80/v1` → `http://host:80`; null when not an http(s) URL. */
export function originKey(url: string): string | null {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
    const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
    return `${parsed.protocol}//${parsed.hostname.toLowerCase()}:${port}`;
  } catch {
    return null;
  }
}

/** The same key for an origin the egress gate is asked about. */
export function originKeyOf(origin: Origin): string {
  const host = origin.hostname.toLowerCase();
  // URL.hostname keeps IPv6 literals in brackets; the egress gate hands them over bare.
  return `${origin.protocol}//${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${origin.port}`;
}

function snapshot(config: GatewayConfig): ConfigSnapshot {
  const origins = new Set<string>();
  for (const deployment of config.deployments) {
    const key = deployment.endpoint && normalizeEndpoint(deployment.endpoint) ? originKey(deployment.endpoint) : null;
    if (key) origins.add(key);
  }
  if (config.deployments.some((d) => d.platform === 'bedrock')) {
    // The operator's VPC endpoint, else the region's public endpoint (the SDK's default for the region).
    const bedrock = config.bedrock.endpoint ?? (config.bedrock.region ? `https://bedrock-runtime.${config.bedrock.region}.amazonaws.com` : null);
    const key = bedrock ? originKey(bedrock) : null;
    if (key) origins.add(key);
  }
  if (config.gitlab.url) {
    const key = originKey(config.gitlab.url);
    if (key) origins.add(key);
  }
  return { config, allowedOrigins: origins };
}

type Listener = (next: ConfigSnapshot, previous: ConfigSnapshot) => void;

/** Holds the current snapshot; `replace` swaps it and tells the listeners. */
export class ConfigStore {
  private current: ConfigSnapshot;
  private readonly listeners = new Set<Listener>();

  constructor(initial: GatewayConfig) {
    this.current = snapshot(initial);
  }

  get(): ConfigSnapshot {
    return this.current;
  }

  /** Swaps in a validated configuration. */
  replace(config: GatewayConfig): void {
    const previous = this.current;
    this.current = snapshot(config);
    for (const listener of [...this.listeners]) listener(this.current, previous);
  }

  onDidChange(listener: Listener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }
}
