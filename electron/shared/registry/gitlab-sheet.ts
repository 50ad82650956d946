/**
 * The GitLab setup sheet: exactly what the GitLab administrator enters, page by page, for GitLab to
 * use Airlock (gitlab-ai-gateway.md §5). Built as data for the UI (one copy button per field) and
 * rendered as text for `airlock gitlab-sheet`. API keys appear as their last 4 characters unless
 * the caller reveals one on purpose.
 */
import { type Catalog } from '../fit/catalog-schema';
import { type Deployment } from './deployment';
import { type FeatureMapping, type FeatureState, listAiFeatures } from './features';

/** A field's value: text to copy, a secret shown by its last 4 characters, or nothing to enter. */
export type SheetValue = { kind: 'text'; text: string } | { kind: 'secret'; last4: string } | { kind: 'empty'; text: string };

/** One labelled field of a GitLab page. */
export interface SheetField {
  label: string;
  value: SheetValue;
  /** Why the value is what it is, or what to watch for. */
  note?: string;
}

/** One deployment's fields, in the order of GitLab's "Add self-hosted model" form (§5.2). */
export interface SheetDeployment {
  deploymentName: string;
  fields: SheetField[];
}

/** One feature's row on the AI-native features tab. */
export interface SheetFeature {
  featureId: string;
  title: string;
  group: string;
  state: FeatureState;
  /** A deployment name, or "Disabled". */
  value: string;
  note?: string;
}

/** The sheet: four sections, in the order the administrator works through them. */
export interface GitlabSheet {
  gateway: { title: string; fields: SheetField[] };
  models: { title: string; deployments: SheetDeployment[]; after: string };
  features: { title: string; features: SheetFeature[] };
  verify: { title: string; command: string; note?: string };
}

/** A deployment as the sheet needs it: the key only as its last 4 characters (it never leaves the core). */
export type SheetDeploymentInput = Pick<Deployment, 'name' | 'family' | 'endpoint' | 'identifier'> & { apiKeyLast4: string | null };

/** What the sheet is built from. */
export interface GitlabSheetInput {
  /** The URL GitLab should use for the gateway (the "Local AI Gateway URL" setting); null when unset. */
  gatewayUrl: string | null;
  deployments: readonly SheetDeploymentInput[];
  mapping: FeatureMapping;
  catalog: Pick<Catalog, 'features' | 'families'>;
  /** GitLab user the verification task checks as; the placeholder stays when absent. */
  gitlabUsername?: string | null;
}

// Page paths and labels as GitLab's docs word them (§5.1, §5.2).
/** Title of section 1. */
export const GATEWAY_SECTION_TITLE = 'Admin → GitLab Duo → Local AI Gateway URL';
/** Title of section 2. */
export const MODELS_SECTION_TITLE = 'Admin → GitLab Duo → Configure models for GitLab Duo → Add self-hosted model';
/** Title of section 3. */
export const FEATURES_SECTION_TITLE = 'Admin → GitLab Duo → Configure models for GitLab Duo → AI-native features';
/** Title of section 4. */
export const VERIFY_SECTION_TITLE = 'Verify on the GitLab host';
/** The value GitLab's feature picker uses for "no model" (§5.2). */
export const DISABLED_LABEL = 'Disabled';

// GitLab usernames: letters, digits, "_", "-", "." (and no leading "-"); anything else could break
// out of the quoted rake argument, so it is not put into the command.
const USERNAME_PATTERN = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/;

/** `gitlab-rake "gitlab:duo:verify_self_hosted_setup[<username>]"` (§5.4), with the username when given. */
export function verifyCommand(username: string): string {
  return `gitlab-rake "gitlab:duo:verify_self_hosted_setup[${username}]"`;
}

function deploymentFields(deployment: SheetDeploymentInput, catalog: GitlabSheetInput['catalog']): SheetField[] {
  const family = catalog.families.find((f) => f.id === deployment.family);
  return [
    { label: 'Deployment name', value: { kind: 'text', text: deployment.name } },
    {
      label: 'Model family',
      value: { kind: 'text', text: family ? family.name : deployment.family },
      note: `family id ${deployment.family}`,
    },
    deployment.endpoint === null
      ? { label: 'Endpoint', value: { kind: 'empty', text: '(leave empty)' }, note: 'Amazon Bedrock ignores the endpoint' }
      : { label: 'Endpoint', value: { kind: 'text', text: deployment.endpoint } },
    deployment.apiKeyLast4 === null
      ? { label: 'API key', value: { kind: 'empty', text: '(leave empty)' } }
      : {
          label: 'API key',
          value: { kind: 'secret', last4: deployment.apiKeyLast4 },
          note: "with Airlock's gateway GitLab can leave it empty: the gateway adds the stored key; to read it, run airlock gitlab-sheet --reveal-keys on the appliance",
        },
    deployment.identifier === null
      ? { label: 'Model identifier', value: { kind: 'empty', text: '(leave empty)' } }
      : { label: 'Model identifier', value: { kind: 'text', text: deployment.identifier } },
  ];
}

/** Builds the sheet: gateway URL, one form per deployment, the feature assignments, the verification command. */
export function buildGitlabSetupSheet(input: GitlabSheetInput): GitlabSheet {
  const { gatewayUrl, deployments, mapping, catalog } = input;
  const names = new Set(deployments.map((d) => d.name));

  const features: SheetFeature[] = listAiFeatures(catalog).map((feature) => {
    const mapped = Object.prototype.hasOwnProperty.call(mapping, feature.id) ? (mapping[feature.id] ?? null) : null;
    const base = { featureId: feature.id, title: feature.title, group: feature.group, state: feature.state };
    if (mapped === null) return { ...base, value: DISABLED_LABEL };
    // A mapping to a deleted deployment cannot be entered in GitLab: show Disabled and say why.
    if (!names.has(mapped)) return { ...base, value: DISABLED_LABEL, note: `mapped to "${mapped}", which is not a registered deployment` };
    return { ...base, value: mapped };
  });

  const username = input.gitlabUsername?.trim() ?? '';
  const isUsernameUsable = username !== '' && USERNAME_PATTERN.test(username);
  const verifyNote =
    username === ''
      ? 'Replace <username> with the GitLab user to check as (the task uses root when the brackets are left out).'
      : isUsernameUsable
        ? undefined
        : `"${username}" is not a valid GitLab username; replace <username> with the user to check as.`;

  return {
    gateway: {
      title: GATEWAY_SECTION_TITLE,
      fields: [
        gatewayUrl === null || gatewayUrl.trim() === ''
          ? { label: 'Local AI Gateway URL', value: { kind: 'empty', text: '(not set)' }, note: 'Set the gateway URL in Airlock\'s Settings first.' }
          : { label: 'Local AI Gateway URL', value: { kind: 'text', text: gatewayUrl.trim() } },
      ],
    },
    models: {
      title: MODELS_SECTION_TITLE,
      deployments: deployments.map((d) => ({ deploymentName: d.name, fields: deploymentFields(d, catalog) })),
      after: 'Then select Test connection for each model.',
    },
    features: { title: FEATURES_SECTION_TITLE, features },
    verify: {
      title: VERIFY_SECTION_TITLE,
      command: verifyCommand(isUsernameUsable ? username : '<username>'),
      ...(verifyNote === undefined ? {} : { note: verifyNote }),
    },
  };
}

/** How `renderGitlabSheetText` shows secrets. */
export interface RenderSheetOptions {
  /** The full key of a deployment the operator chose to reveal; null keeps it masked. */
  revealKey?: (deploymentName: string) => string | null;
}

function renderValue(value: SheetValue, deploymentName: string | null, options: RenderSheetOptions): string {
  if (value.kind === 'text' || value.kind === 'empty') return value.text;
  const revealed = deploymentName === null ? null : (options.revealKey?.(deploymentName) ?? null);
  return revealed ?? `…${value.last4}`;
}

function renderFields(fields: readonly SheetField[], indent: string, deploymentName: string | null, options: RenderSheetOptions): string[] {
  const width = Math.max(...fields.map((f) => f.label.length)) + 1;
  return fields.map((f) => {
    const line = `${indent}${`${f.label}:`.padEnd(width + 1)}${renderValue(f.value, deploymentName, options)}`;
    return f.note === undefined ? line : `${line}  (${f.note})`;
  });
}

const STATE_SUFFIX: Readonly<Record<FeatureState, string>> = { ga: '', beta: ' [beta]', experiment: ' [experiment]' };

/** Plain text of the sheet for `airlock gitlab-sheet`; API keys read `…last4` unless `revealKey` returns one. */
export function renderGitlabSheetText(sheet: GitlabSheet, options: RenderSheetOptions = {}): string {
  const lines: string[] = ['GitLab setup sheet', ''];
  lines.push(`1. ${sheet.gateway.title}`, ...renderFields(sheet.gateway.fields, '   ', null, options), '');

  lines.push(`2. ${sheet.models.title}`);
  if (sheet.models.deployments.length === 0) lines.push('   No deployments are registered yet.');
  for (const deployment of sheet.models.deployments) {
    lines.push(`   Deployment "${deployment.deploymentName}":`, ...renderFields(deployment.fields, '     ', deployment.deploymentName, options));
  }
  lines.push(`   ${sheet.models.after}`, '');

  lines.push(`3. ${sheet.features.title}`);
  const titleWidth = Math.max(0, ...sheet.features.features.map((f) => f.title.length + STATE_SUFFIX[f.state].length)) + 1;
  for (const f of sheet.features.features) {
    const line = `   ${`${f.title}${STATE_SUFFIX[f.state]}:`.padEnd(titleWidth + 1)}${f.value}`;
    lines.push(f.note === undefined ? line : `${line}  (${f.note})`);
  }
  lines.push('');

  lines.push(`4. ${sheet.verify.title}`, `   ${sheet.verify.command}`);
  if (sheet.verify.note !== undefined) lines.push(`   ${sheet.verify.note}`);
  return `${lines.join('\n')}\n`;
}
