/**
 * Labelled blocks of context inside a prompt ("File: a.py", a fenced log, a diff), rendered the same
 * way by every builder, and cut to a budget together.
 */
import { fitLengths, truncateWithMarker, type KeepPart } from './budget';
import { fenced } from './markdown-fence';

/** One labelled piece of context. */
export interface Section {
  label: string;
  body: string;
  /** Always fenced, with `tag` as the info string; otherwise only multi-line or long bodies are fenced. */
  isCode?: boolean;
  tag?: string;
  /** What survives a cut (default: the start). */
  keep?: KeepPart;
}

/** Bodies up to this long on one line read as `Label: value`; longer ones get a block of their own. */
const INLINE_MAX = 200;

/** `Label: value` for a short one-line body, else the label on its own line and the body fenced. */
export function renderSection(section: Section): string {
  const isInline = !section.isCode && !section.body.includes('\n') && section.body.length <= INLINE_MAX;
  if (isInline) return `${section.label}: ${section.body}`;
  return `${section.label}:\n${fenced(section.body, section.tag ?? '')}`;
}

/** Sections one after the other, separated by a blank line. */
export function renderSections(sections: readonly Section[]): string {
  return sections.map(renderSection).join('\n\n');
}

/** What a section adds besides its body (label, fence, separators), for budgeting. */
const sectionOverhead = (section: Section): number => renderSection({ ...section, body: '' }).length + 2 + 8;

/**
 * The sections cut so that, rendered, they take about `budget` characters at most: short bodies are
 * kept whole and the long ones are cut to one common length, each keeping its `keep` part.
 */
export function fitSections(sections: readonly Section[], budget: number): Section[] {
  const overhead = sections.reduce((sum, section) => sum + sectionOverhead(section), 0);
  const limits = fitLengths(
    sections.map((section) => section.body.length),
    Math.max(0, budget - overhead),
  );
  return sections.map((section, index) => {
    const limit = limits[index] ?? section.body.length;
    return limit >= section.body.length ? section : { ...section, body: truncateWithMarker(section.body, limit, section.keep ?? 'start') };
  });
}

/** `snake_case` or `camelCase` input names as a label: `file_path` → `File path`. */
export function labelFromName(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_\-.]+/g, ' ')
    .trim()
    .toLowerCase();
  return words === '' ? name : words[0]?.toUpperCase() + words.slice(1);
}
