/**
 * The `prompt_version` of `/v1|v2/prompts/{id}` requests (gitlab-ai-gateway.md §2.8): a version or a
 * caret/tilde range. Airlock has one version of each prompt and serves it for any well-formed
 * value; a malformed one is a 422, as in GitLab's gateway.
 */

/** Numeric identifier: no leading zeros (semver 2.0.0 §2). */
const NUMBER = '(?:0|[1-9]\\d*)';
/** Pre-release and build metadata (semver 2.0.0 §9, §10). */
const PRE_RELEASE = '(?:-[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?';
const BUILD = '(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?';

/** `1.2.3`, `1.2.3-rc.1`, `1.2.3+build`. */
const exactVersion = new RegExp(`^${NUMBER}\\.${NUMBER}\\.${NUMBER}${PRE_RELEASE}${BUILD}$`);
/** `^1`, `^1.0`, `^1.0.0`, `~2.0`, `~2.0.1-beta` (node-semver's caret and tilde ranges). */
const caretOrTilde = new RegExp(`^[\\^~]${NUMBER}(?:\\.${NUMBER}(?:\\.${NUMBER}${PRE_RELEASE}${BUILD})?)?$`);

/** True for a semantic version or a caret/tilde range over one. */
export function isPromptVersion(version: string): boolean {
  return version.length <= 256 && (exactVersion.test(version) || caretOrTilde.test(version));
}
