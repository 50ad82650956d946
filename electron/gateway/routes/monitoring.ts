/**
 * Health without authentication (gitlab-ai-gateway.md §2.1, §3.3 step 1): `/monitoring/healthz`
 * says the process answers (GitLab's rake task reads it); `/monitoring/ready` checks each deployment
 * a feature is mapped to. Readiness is cached briefly so a probe loop cannot turn into a flood of
 * model calls.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteAuth } from '../app';
import type { RouteContext } from './route-context';

const publicRoute: RouteAuth = { isPublic: true };
const READY_CACHE_MS = 5000;
const PROBE_TIMEOUT_MS = 3000;

interface Readiness {
  at: number;
  isReady: boolean;
  body: { status: 'ready' | 'not_ready'; deployments: { name: string; ok: boolean; detail: string }[] };
}

export function registerMonitoringRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get('/monitoring/healthz', { config: { auth: publicRoute } }, async () => ({ status: 'ok' }));

  let cached: Readiness | null = null;
  let pending: Promise<Readiness> | null = null;
  const check = async (): Promise<Readiness> => {
    const { config } = ctx.config();
    const mapped = new Set(Object.values(config.features).filter((name): name is string => typeof name === 'string'));
    const deployments = config.deployments.filter((d) => mapped.has(d.name));
    const results = await Promise.all(
      deployments.map(async (deployment) => {
        try {
          const result = await ctx.probeDeployment(deployment, AbortSignal.timeout(PROBE_TIMEOUT_MS));
          return { name: deployment.name, ...result };
        } catch (error) {
          return { name: deployment.name, ok: false, detail: error instanceof Error ? error.message.slice(0, 200) : 'probe failed' };
        }
      }),
    );
    const isReady = results.every((r) => r.ok);
    return { at: Date.now(), isReady, body: { status: isReady ? 'ready' : 'not_ready', deployments: results } };
  };

  app.get('/monitoring/ready', { config: { auth: publicRoute } }, async (_request, reply) => {
    if (!cached || Date.now() - cached.at > READY_CACHE_MS) {
      pending ??= check().finally(() => {
        pending = null;
      });
      cached = await pending;
    }
    return reply.code(cached.isReady ? 200 : 503).send(cached.body);
  });
}
