/**
 * The registry as the contract carries it: deployments (keys only as their last 4), the feature
 * plan, connection test results, the GitLab sheet and the audit trail. Compile-time checks in
 * electron/core/registry/contract-types.ts keep these equal to the modules' own types.
 */
import { z } from '../zod';

export const deploymentViewSchema = z.object({
  name: z.string(),
  family: z.string(),
  platform: z.string(),
  endpoint: z.string().nullable(),
  identifier: z.string().nullable(),
  apiKey: z.object({ isSet: z.boolean(), last4: z.string().nullable() }),
  /** null: the gateway's default. */
  timeoutSeconds: z.number().nullable(),
  unitName: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const deploymentDraftInputSchema = z
  .object({
    name: z.string().max(255).optional(),
    family: z.string().max(100).optional(),
    endpoint: z.string().max(2048).nullable().optional(),
    apiKey: z.string().max(2000).nullable().optional(),
    identifier: z.string().max(255).nullable().optional(),
    platform: z.string().max(50).optional(),
    timeoutSeconds: z.union([z.number(), z.string().max(20)]).nullable().optional(),
  })
  .strict();

const featureSchema = z.object({
  id: z.string(),
  title: z.string(),
  group: z.string(),
  state: z.enum(['ga', 'beta', 'experiment']),
  since: z.string().nullable(),
  families: z.array(z.string()),
});

export const featurePlanRowSchema = z.object({
  feature: featureSchema,
  deploymentName: z.string().nullable(),
  compatibleDeployments: z.array(z.string()),
  isSelectable: z.boolean(),
  flags: z.array(z.enum(['deployment-missing', 'deployment-unhealthy', 'incompatible-family', 'beta-disabled', 'family-beta-disabled'])),
});

export const connectionTestResultSchema = z.object({
  ok: z.boolean(),
  failedStep: z.string().nullable(),
  steps: z.array(
    z.object({
      id: z.string(),
      label: z.string(),
      status: z.enum(['ok', 'failed', 'skipped', 'warning']),
      durationMs: z.number(),
      detail: z.string(),
      hint: z.string().nullable(),
    }),
  ),
  totalMs: z.number(),
});

const sheetValueSchema = z.union([
  z.object({ kind: z.literal('text'), text: z.string() }),
  z.object({ kind: z.literal('secret'), last4: z.string() }),
  z.object({ kind: z.literal('empty'), text: z.string() }),
]);
const sheetFieldSchema = z.object({ label: z.string(), value: sheetValueSchema, note: z.string().optional() });

export const gitlabSheetSchema = z.object({
  gateway: z.object({ title: z.string(), fields: z.array(sheetFieldSchema) }),
  models: z.object({ title: z.string(), deployments: z.array(z.object({ deploymentName: z.string(), fields: z.array(sheetFieldSchema) })), after: z.string() }),
  features: z.object({
    title: z.string(),
    features: z.array(z.object({ featureId: z.string(), title: z.string(), group: z.string(), state: z.enum(['ga', 'beta', 'experiment']), value: z.string(), note: z.string().optional() })),
  }),
  verify: z.object({ title: z.string(), command: z.string(), note: z.string().optional() }),
});

export const auditEntrySchema = z.object({
  id: z.number(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  changes: z.array(z.object({ field: z.string(), old: z.unknown(), new: z.unknown() })),
  prevHash: z.string(),
  hash: z.string(),
});

export const auditVerificationSchema = z.union([
  z.object({ isIntact: z.literal(true), count: z.number() }),
  z.object({ isIntact: z.literal(false), brokenAtId: z.number(), reason: z.string() }),
]);
