/**
 * The gateway's view of who calls it, over the current configuration: the compiled network lists
 * are rebuilt only when the `network` section is replaced, not per request.
 */
import type { GatewayConfig } from '../shared/gateway/config';
import type { ClientNetwork } from './app';
import { type NetworkSet, compileNetworks, isAllowedClient, resolveClientAddress } from './auth/client-address';

/** Client address and allowlist checks against `network()` as it is at each request. */
export function createClientNetwork(network: () => GatewayConfig['network']): ClientNetwork {
  let source: GatewayConfig['network'] | null = null;
  let compiled: { allowed: NetworkSet; trusted: NetworkSet } | null = null;
  const current = () => {
    const now = network();
    if (now !== source || compiled === null) {
      compiled = { allowed: compileNetworks(now.allowedNetworks), trusted: compileNetworks(now.trustedProxies) };
      source = now;
    }
    return compiled;
  };
  return {
    clientIp: (peer, forwardedFor) => resolveClientAddress(peer, forwardedFor, current().trusted),
    isAllowed: (ip) => isAllowedClient(ip, current().allowed),
  };
}
