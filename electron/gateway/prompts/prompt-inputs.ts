/**
 * The `inputs` object of `/v1|v2/prompts/{id}` (gitlab-ai-gateway.md §2.8): checking that every
 * value is plain JSON, measuring it, and turning it into prompt text.
 */

/** Arrays and objects nested deeper than this are refused: no JSON a prompt needs is this deep. */
const MAX_DEPTH = 32;

const isPlainObject = (value: object): boolean => {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/** True for strings, finite numbers, booleans, null, and arrays and plain objects of those. */
function isJsonValue(value: unknown, depth: number): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || depth >= MAX_DEPTH) return false;
  if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1));
  return isPlainObject(value) && Object.values(value).every((item) => isJsonValue(item, depth + 1));
}

/**
 * Why the input `name` cannot go into a prompt, or null when it can. Top-level null and undefined
 * count as absent, not as errors: clients send null for optional inputs they do not have.
 */
export function inputProblem(name: string, value: unknown): string | null {
  if (value === undefined || isJsonValue(value, 0)) return null;
  const kind = Array.isArray(value) ? 'array' : typeof value;
  const what =
    kind === 'number' ? 'a number that is not finite' : kind === 'object' || kind === 'array' ? `an ${kind} holding a value that is not JSON (or nested deeper than ${MAX_DEPTH})` : `a ${kind}`;
  return `Input '${name.slice(0, 100)}' is ${what}; inputs must be strings, numbers, booleans, or arrays and objects of those.`;
}

/** The input as prompt text: strings as they are, other values as compact JSON; null when absent or empty. */
export function inputText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  return text.trim() === '' ? null : text;
}

/** Characters the inputs hold, names included, as their prompt text measures them. */
export function inputsSize(inputs: Readonly<Record<string, unknown>>): number {
  let size = 0;
  for (const [name, value] of Object.entries(inputs)) size += name.length + (inputText(value)?.length ?? 0);
  return size;
}
