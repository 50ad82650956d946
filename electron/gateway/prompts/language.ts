/**
 * The programming language of a file, for prompt text ("Language: Python") and for the info string
 * of a Markdown fence. GitLab sends `language_identifier` when the editor knows it (VS Code language
 * ids such as `python`, `typescriptreact`); otherwise the file extension decides.
 */

interface LanguageInfo {
  /** As a developer would write it. */
  name: string;
  /** Markdown fence info string (GitHub Linguist aliases). */
  tag: string;
}

const byExtension: Readonly<Record<string, LanguageInfo>> = {
  py: { name: 'Python', tag: 'python' },
  js: { name: 'JavaScript', tag: 'javascript' },
  mjs: { name: 'JavaScript', tag: 'javascript' },
  cjs: { name: 'JavaScript', tag: 'javascript' },
  jsx: { name: 'JavaScript (JSX)', tag: 'jsx' },
  ts: { name: 'TypeScript', tag: 'typescript' },
  mts: { name: 'TypeScript', tag: 'typescript' },
  cts: { name: 'TypeScript', tag: 'typescript' },
  tsx: { name: 'TypeScript (TSX)', tag: 'tsx' },
  go: { name: 'Go', tag: 'go' },
  rb: { name: 'Ruby', tag: 'ruby' },
  java: { name: 'Java', tag: 'java' },
  rs: { name: 'Rust', tag: 'rust' },
  c: { name: 'C', tag: 'c' },
  h: { name: 'C', tag: 'c' },
  cpp: { name: 'C++', tag: 'cpp' },
  cc: { name: 'C++', tag: 'cpp' },
  cxx: { name: 'C++', tag: 'cpp' },
  hpp: { name: 'C++', tag: 'cpp' },
  cs: { name: 'C#', tag: 'csharp' },
  php: { name: 'PHP', tag: 'php' },
  kt: { name: 'Kotlin', tag: 'kotlin' },
  kts: { name: 'Kotlin', tag: 'kotlin' },
  swift: { name: 'Swift', tag: 'swift' },
  scala: { name: 'Scala', tag: 'scala' },
  sh: { name: 'Shell', tag: 'sh' },
  bash: { name: 'Bash', tag: 'bash' },
  zsh: { name: 'Shell', tag: 'sh' },
  ps1: { name: 'PowerShell', tag: 'powershell' },
  sql: { name: 'SQL', tag: 'sql' },
  yaml: { name: 'YAML', tag: 'yaml' },
  yml: { name: 'YAML', tag: 'yaml' },
  json: { name: 'JSON', tag: 'json' },
  toml: { name: 'TOML', tag: 'toml' },
  xml: { name: 'XML', tag: 'xml' },
  html: { name: 'HTML', tag: 'html' },
  css: { name: 'CSS', tag: 'css' },
  scss: { name: 'SCSS', tag: 'scss' },
  vue: { name: 'Vue', tag: 'vue' },
  svelte: { name: 'Svelte', tag: 'svelte' },
  md: { name: 'Markdown', tag: 'markdown' },
  tf: { name: 'Terraform', tag: 'hcl' },
  lua: { name: 'Lua', tag: 'lua' },
  pl: { name: 'Perl', tag: 'perl' },
  r: { name: 'R', tag: 'r' },
  dart: { name: 'Dart', tag: 'dart' },
  ex: { name: 'Elixir', tag: 'elixir' },
  exs: { name: 'Elixir', tag: 'elixir' },
  erl: { name: 'Erlang', tag: 'erlang' },
  hs: { name: 'Haskell', tag: 'haskell' },
  clj: { name: 'Clojure', tag: 'clojure' },
  groovy: { name: 'Groovy', tag: 'groovy' },
};

/** Whole file names that say the language better than their (missing) extension does. */
const byFileName: Readonly<Record<string, LanguageInfo>> = {
  dockerfile: { name: 'Dockerfile', tag: 'dockerfile' },
  makefile: { name: 'Makefile', tag: 'makefile' },
  gemfile: { name: 'Ruby', tag: 'ruby' },
  rakefile: { name: 'Ruby', tag: 'ruby' },
  jenkinsfile: { name: 'Groovy', tag: 'groovy' },
};

/** VS Code language ids (what GitLab's editor extensions send) that are not a fence tag above. */
const byClientId: Readonly<Record<string, LanguageInfo>> = {
  typescriptreact: { name: 'TypeScript (TSX)', tag: 'tsx' },
  javascriptreact: { name: 'JavaScript (JSX)', tag: 'jsx' },
  shellscript: { name: 'Shell', tag: 'sh' },
  golang: { name: 'Go', tag: 'go' },
  terraform: { name: 'Terraform', tag: 'hcl' },
};

/** The language of a file: `language` when the client named one, else from the file name; null when unknown. */
export function describeLanguage(fileName: string, language: string | null): LanguageInfo | null {
  const named = language?.trim();
  if (named) {
    // A client id such as `python` is a usable tag as it is; a known one also gets its proper name.
    const id = named.toLowerCase();
    const known = Object.hasOwn(byClientId, id) ? byClientId[id] : Object.values(byExtension).find((info) => info.tag === id);
    return known ?? { name: named, tag: id.replace(/[^a-z0-9+#-]+/g, '') };
  }
  const base = fileName.split(/[\\/]/).pop()?.toLowerCase() ?? '';
  if (Object.hasOwn(byFileName, base)) return byFileName[base] ?? null;
  const dot = base.lastIndexOf('.');
  if (dot === -1) return null;
  const extension = base.slice(dot + 1);
  return Object.hasOwn(byExtension, extension) ? (byExtension[extension] ?? null) : null;
}

/** The fence tag for a file (empty when the language is unknown). */
export function languageTag(fileName: string, language: string | null): string {
  return describeLanguage(fileName, language)?.tag ?? '';
}
