/**
 * The deployment form's pure side: its values, what it sends for an add or an edit, how a key is
 * shown, which families it offers, and the messages it shows under each field (the shared
 * validator's, live; the core's, after a refusal).
 */
import type { CallInput, CallOutput } from '../../../../electron/shared/contract';
import type { CatalogFamily } from '../../../../electron/shared/fit/catalog-schema';
import {
  type DeploymentDraft,
  type DeploymentField,
  type DeploymentIssue,
  type DeploymentPlatform,
  deploymentPlatforms,
  platformLabels,
} from '../../../../electron/shared/registry/deployment';

/** A deployment as `models.list` returns it. */
export type DeploymentView = CallOutput<'models.list'>[number];

/** What the form holds: every field as typed. */
export interface DeploymentFormValues {
  name: string;
  family: string;
  endpoint: string;
  /** Empty on edit: keep the stored key. */
  apiKey: string;
  identifier: string;
  platform: string;
  /** Seconds the gateway waits for this model; empty: the default. */
  timeoutSeconds: string;
  /** Edit only: remove the stored key (wins over an empty `apiKey`). */
  removeKey: boolean;
}

/** A blank form: vLLM on this host is what most appliances register first. */
export const emptyDeploymentForm: DeploymentFormValues = {
  name: '',
  family: '',
  endpoint: '',
  apiKey: '',
  identifier: '',
  platform: 'vllm-local',
  timeoutSeconds: '',
  removeKey: false,
};

/** The fields in the order of GitLab's "Add self-hosted model" form, then Airlock's platform. */
export const fieldOrder: readonly DeploymentField[] = ['name', 'family', 'endpoint', 'apiKey', 'identifier', 'platform', 'timeoutSeconds'];

/** The platforms as the select lists them. */
export const platformOptions: ReadonlyArray<{ id: DeploymentPlatform; label: string }> = deploymentPlatforms.map((id) => ({ id, label: platformLabels[id] }));

/** The form filled from a registered deployment; the key stays empty (it never leaves the core). */
export function formFromDeployment(view: DeploymentView): DeploymentFormValues {
  return {
    name: view.name,
    family: view.family,
    endpoint: view.endpoint ?? '',
    apiKey: '',
    identifier: view.identifier ?? '',
    platform: view.platform,
    timeoutSeconds: view.timeoutSeconds === null ? '' : String(view.timeoutSeconds),
    removeKey: false,
  };
}

const orNull = (text: string) => (text.trim() === '' ? null : text);

/**
 * The draft the shared validator checks while typing. On edit an empty key means "keep": the stored
 * key was valid when it was saved, so only a newly typed one is checked.
 */
export function draftOf(values: DeploymentFormValues): DeploymentDraft {
  return {
    name: values.name,
    family: values.family,
    endpoint: orNull(values.endpoint),
    apiKey: values.removeKey ? null : orNull(values.apiKey),
    identifier: orNull(values.identifier),
    platform: values.platform,
    timeoutSeconds: orNull(values.timeoutSeconds),
  };
}

/** The fields sent as typed (blank endpoint and identifier mean none); the key is handled apart. */
function plainFields(values: DeploymentFormValues) {
  return {
    name: values.name,
    family: values.family,
    endpoint: orNull(values.endpoint),
    identifier: orNull(values.identifier),
    platform: values.platform,
    timeoutSeconds: orNull(values.timeoutSeconds),
  };
}

/** The `deployment` of `models.add`: a key only when one was typed. */
export function addInput(values: DeploymentFormValues): CallInput<'models.add'>['deployment'] {
  const key = values.apiKey.trim();
  return {
    ...plainFields(values),
    ...(key === '' ? {} : { apiKey: key }),
  };
}

/** The `patch` of `models.update`: apiKey omitted keeps the stored key, null removes it, text replaces it. */
export function updatePatch(values: DeploymentFormValues): CallInput<'models.update'>['patch'] {
  const key = values.apiKey.trim();
  return {
    ...plainFields(values),
    ...(values.removeKey ? { apiKey: null } : key === '' ? {} : { apiKey: key }),
  };
}

/** "…1234", "set" (a short key shows no characters at all), or "not set". */
export function describeKey(apiKey: DeploymentView['apiKey']): string {
  if (!apiKey.isSet) return 'not set';
  return apiKey.last4 === null ? 'set' : `…${apiKey.last4}`;
}

/** The key field's placeholder: on edit it says what an empty field does. */
export function keyPlaceholder(editing: DeploymentView | null): string {
  if (editing === null) return 'optional';
  return editing.apiKey.isSet ? `leave empty to keep ${describeKey(editing.apiKey)}` : 'optional; not set now';
}

/**
 * The identifier each platform expects (§2.3 "Resolving identifier"). The validator holds the rule;
 * this is its one-line form for the hint under the field, kept equal to the validator's messages by
 * a unit test.
 */
export const identifierFormats: Readonly<Record<DeploymentPlatform, string>> = {
  'vllm-local': 'custom_openai/<served model name>',
  'vllm-remote': 'custom_openai/<served model name>',
  bedrock: 'bedrock/<model id>',
  'azure-openai': 'azure/<deployment>',
  'openai-compatible': 'optional; custom_openai/<model name> when given',
};

/** The hint under the identifier field for a platform id (any text: the form may hold an unknown one). */
export function identifierHint(platform: string): string {
  const format = (identifierFormats as Record<string, string | undefined>)[platform];
  return format === undefined ? 'Choose a platform to see the expected format.' : `Expected: ${format}`;
}

/** One family in the select. */
export interface FamilyOption {
  id: string;
  label: string;
  isBeta: boolean;
}

/**
 * The families the select offers: GA ones always, beta ones only while beta features are on. The
 * family a deployment already has is kept in the list (marked) so an edit does not silently change it.
 */
export function familyOptions(families: readonly Pick<CatalogFamily, 'id' | 'name' | 'releaseState'>[], isBetaEnabled: boolean, current: string): FamilyOption[] {
  return families
    .filter((f) => isBetaEnabled || f.releaseState === 'ga' || f.id === current)
    .map((f) => ({ id: f.id, label: f.releaseState === 'ga' ? f.name : `${f.name} (beta)`, isBeta: f.releaseState !== 'ga' }));
}

/** What one field shows under it. */
export interface FieldFeedback {
  errors: string[];
  warnings: string[];
  /** A corrected value offered as a one-click fix ('' clears the field). */
  suggestion: string | null;
}

/**
 * Messages per field. Live issues show for fields the operator has touched (or all after a save
 * attempt), so a blank form is not a wall of red. The core's message for a field, after a refusal,
 * is shown verbatim and replaces the live error that says the same thing in other words.
 */
export function feedbackByField(
  issues: readonly DeploymentIssue[],
  coreFields: Readonly<Record<string, string>>,
  isShown: (field: DeploymentField) => boolean,
): Record<DeploymentField, FieldFeedback> {
  const out = Object.fromEntries(fieldOrder.map((f) => [f, { errors: [], warnings: [], suggestion: null }])) as unknown as Record<DeploymentField, FieldFeedback>;
  for (const issue of issues) {
    if (!isShown(issue.field)) continue;
    const slot = out[issue.field];
    (issue.severity === 'error' ? slot.errors : slot.warnings).push(issue.message);
    if (issue.suggestion !== undefined && slot.suggestion === null) slot.suggestion = issue.suggestion;
  }
  for (const field of fieldOrder) {
    const text = coreFields[field];
    if (text !== undefined) out[field].errors = [text];
  }
  return out;
}
