/**
 * Markdown code fences (CommonMark 0.31 §4.5 "Fenced code blocks"): choosing one that content
 * cannot close when the gateway puts code into a prompt, and recognising the ones models put
 * around code in their answers.
 */

/** An opening fence line: its character, its length and its info string (the language). */
export interface Fence {
  char: '`' | '~';
  length: number;
  info: string;
}

/** A backtick fence longer than any run of three or more backticks in `content`, so the content cannot close it. */
export function fenceFor(content: string): string {
  let longest = 0;
  for (const run of content.match(/`{3,}/g) ?? []) longest = Math.max(longest, run.length);
  return '`'.repeat(Math.max(3, longest + 1));
}

/** `content` in a fenced block tagged `tag` (may be empty). */
export function fenced(content: string, tag: string): string {
  const fence = fenceFor(content);
  return `${fence}${tag}\n${content}\n${fence}`;
}

/**
 * The fence a line opens, or null. CommonMark: up to three spaces of indentation, three or more
 * backticks or tildes, and an info string that for backtick fences holds no backtick.
 */
export function parseOpeningFence(line: string): Fence | null {
  const match = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line.replace(/\r$/, ''));
  if (!match) return null;
  const marks = match[1] ?? '';
  const info = (match[2] ?? '').trim();
  const char = marks[0] === '~' ? '~' : '`';
  if (char === '`' && info.includes('`')) return null;
  return { char, length: marks.length, info };
}

/** True when `line` closes `opening`: the same character, at least as many, nothing after but spaces. */
export function isClosingFence(line: string, opening: Fence): boolean {
  const match = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line.replace(/\r$/, ''));
  const marks = match?.[1];
  return marks !== undefined && marks[0] === opening.char && marks.length >= opening.length;
}

/**
 * True when `partial` (a line still being streamed) could yet become a line that closes `opening`,
 * so a stream must hold it back until the line ends.
 */
export function couldBecomeClosingFence(partial: string, opening: Fence): boolean {
  const match = /^ {0,3}([`~]*)([ \t]*)\r?$/.exec(partial);
  if (!match) return false;
  const marks = match[1] ?? '';
  if (marks !== opening.char.repeat(marks.length)) return false;
  // Spaces may only follow a complete fence: "``` " can still close, "` " cannot.
  return (match[2] ?? '') === '' || marks.length >= opening.length;
}

/** True when `partial` (the first line of a stream, still arriving) could yet become an opening fence. */
export function couldBecomeOpeningFence(partial: string): boolean {
  return /^ {0,3}(`{0,2}|~{0,2})$/.test(partial);
}
