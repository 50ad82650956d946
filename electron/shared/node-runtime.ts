import runtime from '../../resources/node-runtime.json';

/**
 * Start-time settings of Airlock's own long-running Node processes (the core and the AI gateway):
 * Node flags to put before the entry script and environment variables to add. Why they exist is in
 * resources/node-runtime.json, which bin/airlock.cjs and the bench scripts read too.
 */
export const NODE_RUNTIME: { readonly nodeFlags: readonly string[]; readonly env: Readonly<Record<string, string>> } = {
  nodeFlags: runtime.nodeFlags,
  env: runtime.env,
};
