/**
 * Errors the gateway answers with, and the one mapping from an upstream failure to an HTTP status.
 * GitLab's gateway answers errors as `{"detail": …}` (gitlab-ai-gateway.md §2.11); so does this one.
 */
import { UpstreamError } from './upstream/types';

/** An error with the status and the `detail` a client may see. */
export class GatewayHttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'GatewayHttpError';
  }
}

/** The status for a failed upstream call: 504 when it was slow, 502 when it was broken. */
export function upstreamStatus(error: UpstreamError): number {
  switch (error.kind) {
    case 'timeout':
    case 'idle':
      return 504;
    case 'egress-denied':
      return 403;
    case 'unsupported':
      return 422;
    case 'aborted':
      // The client is gone; nobody reads this status, but the request log does.
      return 499;
    default:
      return 502;
  }
}

/** What an upstream failure looks like to a client: the deployment and what happened, never a key. */
export function upstreamDetail(error: UpstreamError, deployment: string): string {
  return `The model server of the deployment "${deployment}" failed: ${error.detail}`;
}

/** Turns anything thrown by a route into the status and detail to answer with. */
export function toHttpError(error: unknown, deployment: string | null): GatewayHttpError | null {
  if (error instanceof GatewayHttpError) return error;
  if (error instanceof UpstreamError) return new GatewayHttpError(upstreamStatus(error), upstreamDetail(error, deployment ?? 'unknown'));
  return null;
}
