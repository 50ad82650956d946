/**
 * What the UI shows of a refused call: the core's message as it is, its catalogue code (so tests and
 * styles can tell a license refusal from a validation one), and the per-field messages that
 * DEPLOYMENT_INVALID carries in `data.fields`.
 */
export interface CallRefusal {
  message: string;
  code: string | null;
  /** Field → the core's message for it (DEPLOYMENT_INVALID only). */
  fields: Record<string, string>;
}

/** Reads a rejected call (RemoteError from the core, or a transport error) into what the page shows. */
export function describeCallError(error: unknown): CallRefusal {
  const raw = (error ?? {}) as { message?: unknown; code?: unknown; data?: unknown };
  const message = typeof raw.message === 'string' && raw.message !== '' ? raw.message : String(error);
  const code = typeof raw.code === 'string' ? raw.code : null;
  const fields: Record<string, string> = {};
  const data = raw.data as { fields?: unknown } | undefined;
  if (code === 'DEPLOYMENT_INVALID' && data && typeof data.fields === 'object' && data.fields !== null) {
    for (const [field, text] of Object.entries(data.fields as Record<string, unknown>)) {
      if (typeof text === 'string') fields[field] = text;
    }
  }
  return { message, code, fields };
}
